/** The policy stage (PURE): CEL policies over the desired state, waivers, and policy unit tests. */
export {
  evaluatePolicies,
  readsRepository,
  ref,
  type EvaluatePoliciesOptions,
  type PolicyMemo,
  type PolicyOutcome,
} from './evaluate-policies.js'
export { applyWaivers, parseWaiver, WAIVER_PREFIX, type ApplyWaiversOptions, type Waiver } from './waivers.js'
export { POLICY_CODES } from './codes.js'
export { buildRepositoryFacts, type EntryFacts, type RepositoryFacts } from './repository-facts.js'
export { compileExpression, type CompiledExpression, type PolicyContext } from './cel.js'
