/** The diff of kinds keyed by name: TrustDomain, Scope, Role, FederationBundle, Policy. */
import type { Kind } from '../model/types.js'
import { compareStrings } from './order.js'
import { differingFields, sortedSet, TRUST_DOMAIN_FIELDS, type TrustDomainRecord } from './records.js'
import type { Change, LiveState } from './types.js'

type Row = { readonly name: string }

/**
 * Diffs records of one kind by name, appending creates, updates (with the sorted changed fields) and
 * deletes to `out`. Returns how many are unchanged. `fields` lists the compared fields.
 */
export function planNamed<R extends Row>(
  kind: Kind,
  desired: readonly R[],
  live: readonly R[],
  fields: readonly (keyof R & string)[],
  out: Change[],
): number {
  const sortedFields = [...fields].sort(compareStrings)
  const liveByName = new Map(live.map((r) => [r.name, r]))
  let unchanged = 0
  for (const after of desired) {
    const before = liveByName.get(after.name)
    if (before === undefined) {
      out.push({ action: 'create', kind, name: after.name, key: after.name, after })
      continue
    }
    liveByName.delete(after.name)
    const changed = differingFields(before, after, sortedFields)
    if (changed.length === 0) unchanged++
    else
      out.push({ action: 'update', kind, name: after.name, key: after.name, before, after, fields: changed })
  }
  for (const before of liveByName.values()) {
    out.push({ action: 'delete', kind, name: before.name, key: before.name, before })
  }
  return unchanged
}

/**
 * Diffs the TrustDomain: a create before the first apply, else an update when the name or (when the
 * store keeps them) a setting differs. The trust domain is never deleted by a plan.
 */
export function planTrustDomain(desired: TrustDomainRecord, live: LiveState, out: Change[]): number {
  const base = { kind: 'TrustDomain' as const, name: desired.name, key: desired.name }
  if (live.trustDomain === '') {
    out.push({ ...base, action: 'create', after: desired })
    return 0
  }
  const settings = live.trustDomainSettings
  const before: Readonly<Record<string, unknown>> =
    settings === undefined ? { name: live.trustDomain } : { name: live.trustDomain, ...settings }
  const compared = TRUST_DOMAIN_FIELDS.filter((f) => f in before)
  const fields = sortedSet(differingFields<Record<string, unknown>>(before, desired, compared))
  if (fields.length === 0) return 1
  out.push({ ...base, action: 'update', before: canonicalTrustDomain(before), after: desired, fields })
  return 0
}

/** The live settings in record field order (a store may return them in any order). */
function canonicalTrustDomain(r: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of TRUST_DOMAIN_FIELDS) if (f in r) out[f] = r[f]
  return out
}
