/**
 * Drift: changes made to the store outside Git. With the commit unchanged every planned change is
 * drift; with a new commit, a change is drift when planning the previously applied commit against
 * the same live state yields the very same change (it reverts something Git did not ask for).
 */
import type { Change, Plan } from '../plan/types.js'
import { MAX_LISTED_DRIFT, type DriftChange } from './status.js'

/** A change's identity including its target value: equal signatures revert the same thing the same way. */
export function changeSignature(c: Change): string {
  return `${c.action}\u0000${c.kind}\u0000${c.key}\u0000${JSON.stringify(c.after ?? null)}`
}

/** The changes of `plan` that are drift, given the plan of the previously applied commit against the same live state. */
export function driftChanges(plan: Plan, previousCommitPlan: Plan): Change[] {
  const previous = new Set(previousCommitPlan.changes.map(changeSignature))
  return plan.changes.filter((c) => previous.has(changeSignature(c)))
}

/** `plan` without `drift` (warn mode applies what Git asks for, never a drift revert). */
export function withoutChanges(plan: Plan, drift: readonly Change[]): Plan {
  if (drift.length === 0) return plan
  const skip = new Set(drift)
  return { ...plan, changes: plan.changes.filter((c) => !skip.has(c)) }
}

/** The status form of drift changes, capped at MAX_LISTED_DRIFT. */
export function describeDrift(drift: readonly Change[]): DriftChange[] {
  return drift.slice(0, MAX_LISTED_DRIFT).map((c) => ({
    action: c.action,
    kind: c.kind,
    name: c.name,
    ...(c.id === undefined ? {} : { id: c.id }),
    ...(c.fields === undefined ? {} : { fields: c.fields }),
  }))
}
