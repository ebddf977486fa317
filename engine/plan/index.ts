/** The plan stage (PURE): desired × live → Plan, its codec and its renderers. */
export { makePlan, type PlanMeta } from './make-plan.js'
export { PlanMemo } from './plan-memo.js'
export { liveStateFromDesired } from './live-from-desired.js'
export { encodePlan, decodePlan, PLAN_FORMAT_VERSION } from './codec.js'
export { computePlanDigest } from './canonical-plan.js'
export { digestDesiredState } from './desired-digest.js'
export { mintEntryId, recordKey, UNMANAGED_CONFLICT } from './plan-entries.js'
export { renderPlanText, PLAIN_STYLER, type PlanStyler } from './render-text.js'
export { renderPlanMarkdown, type MarkdownOptions } from './render-markdown.js'
export { renderPlanJson } from './render-json.js'
export type * from './types.js'
export type {
  EntryRecord,
  TrustDomainRecord,
  ScopeRecord,
  RoleRecord,
  FederationBundleRecord,
  PolicyRecord,
} from './records.js'
