/**
 * The authorization engine (PURE): a LiveState compiled into SPIFFE ID → scope → granting roles.
 * Effective scopes are the union of the scopes of the roles on the SPIFFE ID's entries; anything
 * else is denied. `decide` is one or two Map lookups, so it runs millions of times per second.
 */
import { computeGrants, type GrantInputs, type Grants } from '../policy/access.js'

/** Why a decision came out the way it did. */
export type DecisionReason = 'granted' | 'unknown-spiffe-id' | 'scope-not-granted'

/** One decision. `roles`: the granting roles (allow) or the roles the SPIFFE ID holds (deny). */
export interface Decision {
  readonly allow: boolean
  readonly roles: readonly string[]
  readonly reason: DecisionReason
}

/** A compiled, immutable view of the store's grants at one revision. */
export interface CompiledAuthz {
  /** Store revision compiled from (-1 when built from bare inputs). */
  readonly revision: number
  readonly grants: Grants
  /** SPIFFE ID → sorted roles held (every known ID, even with no roles). */
  readonly held: ReadonlyMap<string, readonly string[]>
  /**
   * Precomputed, shared decisions so `decide` allocates nothing: scope → SPIFFE ID → allow (scope
   * first: a few hundred large maps stay in cache far better than one small map per SPIFFE ID), and
   * SPIFFE ID → its deny.
   */
  readonly allowed: ReadonlyMap<string, ReadonlyMap<string, Decision>>
  readonly denied: ReadonlyMap<string, Decision>
}

const NO_ROLES: readonly string[] = Object.freeze([])
const DENY_UNKNOWN: Decision = Object.freeze({ allow: false, roles: NO_ROLES, reason: 'unknown-spiffe-id' })

/** Compiles entries and roles into the lookup tables `decide` uses. */
export function compileAuthz(inputs: GrantInputs, revision = -1): CompiledAuthz {
  const grants = computeGrants(inputs)
  const heldSets = new Map<string, Set<string>>()
  for (const entry of inputs.entries) {
    let set = heldSets.get(entry.spiffeId)
    if (!set) heldSets.set(entry.spiffeId, (set = new Set()))
    for (const role of entry.roles) set.add(role)
  }
  const held = new Map<string, readonly string[]>()
  // identical decisions (same roles) are one object
  const interned = new Map<string, Decision>()
  const intern = (allow: boolean, roles: readonly string[]): Decision => {
    const key = `${allow ? 'a' : 'd'}\n${roles.join('\n')}`
    let d = interned.get(key)
    if (!d) {
      d = Object.freeze({ allow, roles, reason: allow ? 'granted' : 'scope-not-granted' } as const)
      interned.set(key, d)
    }
    return d
  }
  const allowed = new Map<string, Map<string, Decision>>()
  const denied = new Map<string, Decision>()
  for (const [id, set] of heldSets) {
    const roles = Object.freeze([...set].sort())
    held.set(id, roles)
    denied.set(id, intern(false, roles))
    for (const [scope, via] of grants.get(id) ?? []) {
      if (via.length === 0) continue
      let byId = allowed.get(scope)
      if (!byId) allowed.set(scope, (byId = new Map()))
      byId.set(id, intern(true, via))
    }
  }
  return { revision, grants, held, allowed, denied }
}

/** Default deny: allow only when a role on one of the SPIFFE ID's entries grants `scope`. */
export function decide(compiled: CompiledAuthz, spiffeId: string, scope: string): Decision {
  return compiled.allowed.get(scope)?.get(spiffeId) ?? compiled.denied.get(spiffeId) ?? DENY_UNKNOWN
}

/** True when every scope is granted; the first ungranted scope otherwise. */
export function firstUngranted(
  compiled: CompiledAuthz,
  spiffeId: string,
  scopes: readonly string[],
): string | undefined {
  const byScope = compiled.grants.get(spiffeId)
  for (const scope of scopes) if (!byScope?.get(scope)?.length) return scope
  return undefined
}
