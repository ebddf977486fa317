/** The policy stage (PURE): CEL policies over the desired state, waivers, and policy unit tests. */
export { evaluatePolicies, ref, type EvaluatePoliciesOptions } from './evaluate-policies.js'
export {
  PolicyMemo,
  repositoryUse,
  type PolicyOutcome,
  type PolicySlot,
  type RepositoryUse,
} from './policy-memo.js'
export { applyWaivers, parseWaiver, WAIVER_PREFIX, type ApplyWaiversOptions, type Waiver } from './waivers.js'
export { POLICY_CODES } from './codes.js'
export {
  buildRepositoryFacts,
  lazyRepositoryFacts,
  type EntryFacts,
  type RepositoryFacts,
} from './repository-facts.js'
export { compileExpression, type CompiledExpression, type PolicyContext } from './cel.js'
