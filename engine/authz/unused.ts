/**
 * Unused-grant analysis (PURE): the grants (SPIFFE ID, scope, via role) no allow decision exercised
 * since `sinceMs`, for principals that existed throughout the window (their oldest entry was created
 * at or before `sinceMs`), and the smallest YAML change that removes them:
 * - a scope no holder of a role used is removed from the Role;
 * - a role none of whose scopes a principal used is removed from that principal's entries;
 * - anything else (a role partly used by one holder) needs a narrower role and is only reported.
 */
import { computeGrants } from '../policy/access.js'
import type { DecisionCount } from './decision-log.js'

export interface UnusedGrant {
  readonly spiffeId: string
  readonly scope: string
  readonly role: string
}

/** One edit of the repository that removes unused grants. */
export type GrantRemoval =
  | { readonly kind: 'role-scope'; readonly role: string; readonly scope: string }
  | { readonly kind: 'entry-role'; readonly spiffeId: string; readonly role: string }

export interface UnusedAnalysis {
  readonly unused: readonly UnusedGrant[]
  readonly removals: readonly GrantRemoval[]
  /** Unused grants no removal covers (the role is partly used by this principal). */
  readonly needsNarrowerRole: readonly UnusedGrant[]
  /** Principals left out because they did not exist throughout the window. */
  readonly tooNew: readonly string[]
  /** True when the decision records start after `sinceMs` (the window is not fully recorded). */
  readonly partialWindow: boolean
}

export interface UnusedInputs {
  readonly entries: readonly {
    readonly spiffeId: string
    readonly roles: readonly string[]
    /** Unix seconds. */
    readonly createdAt: number
  }[]
  readonly roles: readonly { readonly name: string; readonly scopes: readonly string[] }[]
  readonly decisions: readonly DecisionCount[]
  readonly sinceMs: number
}

const pair = (spiffeId: string, scope: string) => `${spiffeId}\n${scope}`

/** Finds unused grants and the removals that take them away. Deterministic (sorted output). */
export function analyzeUnusedGrants(inputs: UnusedInputs): UnusedAnalysis {
  const used = new Set<string>()
  let earliestMs = Infinity
  for (const d of inputs.decisions) {
    earliestMs = Math.min(earliestMs, d.firstMs)
    if (d.decision === 'allow' && d.lastMs >= inputs.sinceMs) used.add(pair(d.spiffeId, d.scope))
  }
  const bornMs = new Map<string, number>()
  for (const e of inputs.entries)
    bornMs.set(e.spiffeId, Math.min(bornMs.get(e.spiffeId) ?? Infinity, e.createdAt * 1000))
  const tooNew = [...bornMs].filter(([, ms]) => ms > inputs.sinceMs).map(([id]) => id)
  const old = (id: string) => (bornMs.get(id) ?? Infinity) <= inputs.sinceMs
  const grants = computeGrants(inputs)
  const unused: UnusedGrant[] = []
  for (const [spiffeId, byScope] of grants) {
    if (!old(spiffeId)) continue
    for (const [scope, via] of byScope) {
      if (used.has(pair(spiffeId, scope))) continue
      for (const role of via) unused.push({ spiffeId, scope, role })
    }
  }
  const isUnused = new Set(unused.map((u) => `${u.spiffeId}\n${u.scope}\n${u.role}`))
  const roleScopes = new Map(inputs.roles.map((r) => [r.name, r.scopes]))
  const holders = new Map<string, Set<string>>()
  for (const e of inputs.entries)
    for (const role of e.roles) {
      let set = holders.get(role)
      if (!set) holders.set(role, (set = new Set()))
      set.add(e.spiffeId)
    }
  const removals: GrantRemoval[] = []
  const covered = new Set<string>()
  for (const [role, scopes] of roleScopes) {
    const who = [...(holders.get(role) ?? [])]
    if (who.length === 0) continue
    for (const scope of scopes) {
      if (!who.every((id) => isUnused.has(`${id}\n${scope}\n${role}`))) continue
      removals.push({ kind: 'role-scope', role, scope })
      for (const id of who) covered.add(`${id}\n${scope}\n${role}`)
    }
    for (const id of who) {
      if (scopes.length === 0 || !scopes.every((scope) => isUnused.has(`${id}\n${scope}\n${role}`))) continue
      // the whole role is unused by this principal; when the role lost every scope above, the entry edit is moot
      if (scopes.every((scope) => covered.has(`${id}\n${scope}\n${role}`))) continue
      removals.push({ kind: 'entry-role', spiffeId: id, role })
      for (const scope of scopes) covered.add(`${id}\n${scope}\n${role}`)
    }
  }
  const cmp = (a: UnusedGrant, b: UnusedGrant) =>
    a.spiffeId.localeCompare(b.spiffeId) || a.scope.localeCompare(b.scope) || a.role.localeCompare(b.role)
  unused.sort(cmp)
  const key = (r: GrantRemoval) =>
    r.kind === 'role-scope' ? `a${r.role}\n${r.scope}` : `b${r.spiffeId}\n${r.role}`
  removals.sort((a, b) => key(a).localeCompare(key(b)))
  return {
    unused,
    removals,
    needsNarrowerRole: unused.filter((u) => !covered.has(`${u.spiffeId}\n${u.scope}\n${u.role}`)),
    tooNew: tooNew.sort(),
    partialWindow: earliestMs > inputs.sinceMs,
  }
}
