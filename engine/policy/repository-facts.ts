/**
 * The `repository` variable of policy expressions: facts about the whole desired state that
 * cross-object rules need, computed once per evaluation so each per-object expression stays a few
 * map lookups (100,000 entries must lint in well under 10 s). Integers are CEL `int` (bigint).
 */
import type { DesiredState, EntryObject, RoleObject } from '../model/types.js'

/** Facts about one Entry, keyed by its metadata.name in `RepositoryFacts.entries`. */
export interface EntryFacts {
  readonly spiffeID: string
  /** Role names as declared. */
  readonly roles: readonly string[]
  /** Effective scopes: the sorted union of the scopes of its declared roles (unknown roles grant nothing). */
  readonly scopes: readonly string[]
  /** Effective TTLs in seconds: the entry's own, else the trust domain default. */
  readonly x509SVIDTTLSeconds: bigint
  readonly jwtSVIDTTLSeconds: bigint
  /** Roles on this entry whose scopes are all granted by another, different role on the same entry. */
  readonly redundantRoles: readonly string[]
}

/** The `repository` CEL variable. Maps are keyed by metadata.name. */
export interface RepositoryFacts {
  readonly trustDomain: {
    readonly name: string
    readonly x509SVIDTTLSeconds: bigint
    readonly jwtSVIDTTLSeconds: bigint
    readonly maxX509SVIDTTLSeconds: bigint
    readonly maxJWTSVIDTTLSeconds: bigint
  }
  readonly scopes: Readonly<Record<string, { readonly description: string }>>
  readonly roles: Readonly<
    Record<string, { readonly scopes: readonly string[]; readonly description: string }>
  >
  /** Role name → number of entries that declare it (roles no entry declares are absent). */
  readonly usedRoles: Readonly<Record<string, bigint>>
  /** Scope name → sorted names of the declared roles that list it (scopes no role lists are absent). */
  readonly usedScopes: Readonly<Record<string, readonly string[]>>
  readonly entries: Readonly<Record<string, EntryFacts>>
  readonly nodes: Readonly<Record<string, { readonly spiffeID: string }>>
  /** Trust domain names of the declared FederationBundles. */
  readonly federatedTrustDomains: readonly string[]
}

/** Defaults of DESIGN.md §2, used when the repository declares no TrustDomain. */
const DEFAULT_TTLS = { x509: 3600, jwt: 300, maxX509: 86_400, maxJwt: 3600 }

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Builds the facts in one pass over the desired state (O(entries × roles per entry)). */
export function buildRepositoryFacts(desired: DesiredState): RepositoryFacts {
  const td = desired.trustDomain
  const x509Default = td?.spec.x509SvidTtlSeconds ?? DEFAULT_TTLS.x509
  const jwtDefault = td?.spec.jwtSvidTtlSeconds ?? DEFAULT_TTLS.jwt
  const roleScopes = new Map<string, readonly string[]>(
    desired.roles.map((r) => [r.metadata.name, r.spec.scopes]),
  )
  const roleUse = new Map<string, number>()
  const entries: Record<string, EntryFacts> = Object.create(null)
  // Most entries share a handful of role combinations: compute each combination once.
  const byRoleSet = new Map<string, { scopes: readonly string[]; redundant: readonly string[] }>()
  for (const entry of desired.entries) {
    const key = entry.spec.roles.join('\u0000')
    let shared = byRoleSet.get(key)
    if (!shared) byRoleSet.set(key, (shared = roleSetFacts(entry.spec.roles, roleScopes)))
    for (const role of entry.spec.roles) roleUse.set(role, (roleUse.get(role) ?? 0) + 1)
    entries[entry.metadata.name] = entryFacts(entry, shared, x509Default, jwtDefault)
  }
  const usedRoles: Record<string, bigint> = Object.create(null)
  for (const [role, count] of roleUse) usedRoles[role] = BigInt(count)
  return {
    trustDomain: {
      name: td?.metadata.name ?? '',
      x509SVIDTTLSeconds: BigInt(x509Default),
      jwtSVIDTTLSeconds: BigInt(jwtDefault),
      maxX509SVIDTTLSeconds: BigInt(td?.spec.maxX509SvidTtlSeconds ?? DEFAULT_TTLS.maxX509),
      maxJWTSVIDTTLSeconds: BigInt(td?.spec.maxJwtSvidTtlSeconds ?? DEFAULT_TTLS.maxJwt),
    },
    scopes: Object.fromEntries(
      desired.scopes.map((s) => [s.metadata.name, { description: s.spec.description }]),
    ),
    roles: Object.fromEntries(
      desired.roles.map((r) => [r.metadata.name, { scopes: r.spec.scopes, description: r.spec.description }]),
    ),
    usedRoles,
    usedScopes: scopeUsers(desired.roles),
    entries,
    nodes: Object.fromEntries(desired.nodes.map((n) => [n.metadata.name, { spiffeID: n.spec.spiffeId }])),
    federatedTrustDomains: desired.federationBundles.map((b) => b.spec.trustDomain).sort(cmp),
  }
}

function entryFacts(
  entry: EntryObject,
  shared: { scopes: readonly string[]; redundant: readonly string[] },
  x509Default: number,
  jwtDefault: number,
): EntryFacts {
  return {
    spiffeID: entry.spec.spiffeId,
    roles: entry.spec.roles,
    scopes: shared.scopes,
    x509SVIDTTLSeconds: int(entry.spec.x509SvidTtlSeconds ?? x509Default),
    jwtSVIDTTLSeconds: int(entry.spec.jwtSvidTtlSeconds ?? jwtDefault),
    redundantRoles: shared.redundant,
  }
}

// TTLs repeat across entries; converting each once saves most of the bigint allocations.
const ints = new Map<number, bigint>()
function int(n: number): bigint {
  let value = ints.get(n)
  if (value === undefined) {
    value = BigInt(Math.trunc(n))
    if (ints.size < 10_000) ints.set(n, value)
  }
  return value
}

function roleSetFacts(
  roles: readonly string[],
  roleScopes: ReadonlyMap<string, readonly string[]>,
): { scopes: readonly string[]; redundant: readonly string[] } {
  const union = new Set<string>()
  for (const role of roles) for (const scope of roleScopes.get(role) ?? []) union.add(scope)
  const distinct = [...new Set(roles)].filter((r) => roleScopes.has(r))
  const redundant = distinct.filter((sub) =>
    distinct.some((sup) => sup !== sub && isSubset(roleScopes.get(sub) ?? [], roleScopes.get(sup) ?? [])),
  )
  return { scopes: [...union].sort(cmp), redundant: redundant.sort(cmp) }
}

function isSubset(sub: readonly string[], sup: readonly string[]): boolean {
  return sub.every((s) => sup.includes(s))
}

function scopeUsers(roles: readonly RoleObject[]): Record<string, readonly string[]> {
  const users: Record<string, string[]> = Object.create(null)
  for (const role of roles) {
    for (const scope of new Set(role.spec.scopes)) (users[scope] ??= []).push(role.metadata.name)
  }
  for (const list of Object.values(users)) list.sort(cmp)
  return users
}
