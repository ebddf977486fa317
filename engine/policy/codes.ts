/** Stable diagnostic codes of the policy stage (public API: never rename, only add). */
export const POLICY_CODES = {
  /** An object fails a policy's expression; `rule` is the policy's name. */
  violation: 'ERR_POLICY_VIOLATION',
  /** A policy's expression does not parse, does not type-check, or does not return a bool. */
  invalidExpression: 'ERR_POLICY_INVALID_EXPRESSION',
  /** A policy's expression failed at run time for some object (e.g. a missing field without `has()`). */
  evaluationFailed: 'ERR_POLICY_EVALUATION_FAILED',
  /** A `sigil/waive.<rule>` annotation whose expiry date has passed; the finding stays. */
  waiverExpired: 'ERR_POLICY_WAIVER_EXPIRED',
  /** A `sigil/waive.<rule>` annotation without a reason, without a valid `expires YYYY-MM-DD`, or for no rule. */
  waiverInvalid: 'ERR_POLICY_WAIVER_INVALID',
  /** A valid waiver that silenced nothing (warning): the rule no longer fires, so the waiver can go. */
  waiverUnused: 'ERR_POLICY_WAIVER_UNUSED',
} as const
