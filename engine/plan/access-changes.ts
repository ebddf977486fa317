/** Who gains or loses which scope when a plan is applied (AWS Access Analyzer's "no new access" check). */
import { computeGrants, type GrantInputs, type Grants } from '../policy/access.js'
import { compareStrings } from './order.js'
import type { AccessChange, Change } from './types.js'

type Holder = GrantInputs['entries'][number]

type ScopeVia = { readonly scope: string; readonly via: string }

/**
 * Per SPIFFE ID, the scopes granted after but not before (`gained`) and before but not after
 * (`lost`), each with the first (sorted) role that grants it. Sorted by SPIFFE ID, then scope; IDs
 * whose scopes do not change are omitted. A scope still granted through another role is no change.
 */
export function computeAccessChanges(before: GrantInputs, after: GrantInputs): AccessChange[] {
  const was = computeGrants(before)
  const will = computeGrants(after)
  const ids: string[] = []
  for (const id of will.keys()) ids.push(id)
  for (const id of was.keys()) if (!will.has(id)) ids.push(id)
  // the default sort compares UTF-16 code units, like compareStrings, without a callback per comparison
  ids.sort()
  const out: AccessChange[] = []
  for (const spiffeId of ids) {
    const held = was.get(spiffeId)
    const holds = will.get(spiffeId)
    const gained = missingFrom(holds, held)
    const lost = missingFrom(held, holds)
    if (gained.length > 0 || lost.length > 0) out.push({ spiffeId, gained, lost })
  }
  return out
}

const NONE: readonly ScopeVia[] = Object.freeze([])
type ScopeRoles = ReturnType<Grants['get']>

/** Scopes in `held` but not in `other`, sorted by scope, each with its first granting role. */
function missingFrom(held: ScopeRoles, other: ScopeRoles): ScopeVia[] {
  if (held === undefined) return NONE as ScopeVia[]
  const out: ScopeVia[] = []
  for (const [scope, roles] of held) {
    if (other?.has(scope) !== true) out.push({ scope, via: roles[0] as string })
  }
  return out.length < 2 ? out : out.sort((a, b) => compareStrings(a.scope, b.scope))
}

/**
 * `computeAccessChanges` restricted to the SPIFFE IDs a plan can affect: those of created, deleted
 * and role-changed entries, and those holding (before or after) a role that is created, updated or
 * deleted. The result equals the unrestricted computation; a no-op plan costs one pass over entries.
 */
export function planAccessChanges(
  changes: readonly Change[],
  before: GrantInputs,
  after: GrantInputs,
): AccessChange[] {
  const changedRoles = new Set<string>()
  const ids = new Set<string>()
  for (const c of changes) {
    if (c.kind === 'Role') changedRoles.add(c.name)
    else if (
      (c.kind === 'Entry' || c.kind === 'Node') &&
      (c.action !== 'update' || c.fields?.includes('roles'))
    ) {
      if (c.before) ids.add(c.before['spiffeId'] as string)
      if (c.after) ids.add(c.after['spiffeId'] as string)
    }
  }
  if (ids.size === 0 && changedRoles.size === 0) return []
  if (changedRoles.size > 0) {
    const holds = (e: Holder) => e.roles.some((r) => changedRoles.has(r))
    for (const e of before.entries) if (holds(e)) ids.add(e.spiffeId)
    for (const e of after.entries) if (holds(e)) ids.add(e.spiffeId)
  }
  const affected = (e: Holder) => ids.has(e.spiffeId)
  return computeAccessChanges(
    { entries: before.entries.filter(affected), roles: before.roles },
    { entries: after.entries.filter(affected), roles: after.roles },
  )
}
