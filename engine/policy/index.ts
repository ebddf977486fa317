// PLACEHOLDER with the final signatures; the policy engineer replaces the bodies.
import type { Diagnostic } from '../core/diagnostics.js'
import type { ModelResult } from '../model/model-result.js'
import type { DesiredState, PolicyObject } from '../model/types.js'

/** Evaluates user and built-in policies over the desired state; one diagnostic per finding, with spans. */
export function evaluatePolicies(
  _desired: DesiredState,
  _options: { readonly policies: readonly PolicyObject[]; readonly locate: ModelResult['locate'] },
): Diagnostic[] {
  return []
}

/** Drops diagnostics silenced by valid `sigil/waive.<rule>` annotations and adds errors for expired or reasonless waivers. */
export function applyWaivers(
  diagnostics: readonly Diagnostic[],
  _desired: DesiredState,
  _options: { readonly todayMs: number; readonly locate: ModelResult['locate'] },
): Diagnostic[] {
  return [...diagnostics]
}
