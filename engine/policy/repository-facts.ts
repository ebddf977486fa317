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

/**
 * Each Entry's facts, kept by entry object while the role definitions and TTL defaults they are
 * computed from stay the same: objects of unchanged files are the same objects from one check to the
 * next, so their facts are the same objects too.
 */
export class EntryFactsMemo {
  private context = ''
  private facts = new WeakMap<EntryObject, EntryFacts>()
  private byRoleSet = new Map<string, { scopes: readonly string[]; redundant: readonly string[] }>()

  /** A function giving each entry of `desired` its facts. */
  factsOf(desired: DesiredState): (entry: EntryObject) => EntryFacts {
    const { x509Default, jwtDefault } = ttlDefaults(desired)
    const roleScopes = new Map<string, readonly string[]>(
      desired.roles.map((r) => [r.metadata.name, r.spec.scopes]),
    )
    const context = JSON.stringify([x509Default, jwtDefault, [...roleScopes]])
    if (context !== this.context) {
      this.context = context
      this.facts = new WeakMap()
      this.byRoleSet = new Map()
    }
    return (entry) => {
      let facts = this.facts.get(entry)
      if (!facts) {
        // most entries share a handful of role combinations: compute each combination once
        const key = entry.spec.roles.join('\u0000')
        let shared = this.byRoleSet.get(key)
        if (!shared) this.byRoleSet.set(key, (shared = roleSetFacts(entry.spec.roles, roleScopes)))
        this.facts.set(entry, (facts = entryFacts(entry, shared, x509Default, jwtDefault)))
      }
      return facts
    }
  }
}

function ttlDefaults(desired: DesiredState): { x509Default: number; jwtDefault: number } {
  const td = desired.trustDomain
  return {
    x509Default: td?.spec.x509SvidTtlSeconds ?? DEFAULT_TTLS.x509,
    jwtDefault: td?.spec.jwtSvidTtlSeconds ?? DEFAULT_TTLS.jwt,
  }
}

type FactBuilders = { readonly [K in keyof RepositoryFacts]: () => RepositoryFacts[K] }

function factBuilders(desired: DesiredState, factsOf: (entry: EntryObject) => EntryFacts): FactBuilders {
  const td = desired.trustDomain
  const { x509Default, jwtDefault } = ttlDefaults(desired)
  return {
    trustDomain: () => ({
      name: td?.metadata.name ?? '',
      x509SVIDTTLSeconds: BigInt(x509Default),
      jwtSVIDTTLSeconds: BigInt(jwtDefault),
      maxX509SVIDTTLSeconds: BigInt(td?.spec.maxX509SvidTtlSeconds ?? DEFAULT_TTLS.maxX509),
      maxJWTSVIDTTLSeconds: BigInt(td?.spec.maxJwtSvidTtlSeconds ?? DEFAULT_TTLS.maxJwt),
    }),
    scopes: () =>
      Object.fromEntries(desired.scopes.map((s) => [s.metadata.name, { description: s.spec.description }])),
    roles: () =>
      Object.fromEntries(
        desired.roles.map((r) => [
          r.metadata.name,
          { scopes: r.spec.scopes, description: r.spec.description },
        ]),
      ),
    usedRoles: () => {
      const roleUse = new Map<string, number>()
      for (const entry of desired.entries)
        for (const role of entry.spec.roles) roleUse.set(role, (roleUse.get(role) ?? 0) + 1)
      const usedRoles: Record<string, bigint> = Object.create(null)
      for (const [role, count] of roleUse) usedRoles[role] = BigInt(count)
      return usedRoles
    },
    usedScopes: () => scopeUsers(desired.roles),
    entries: () => {
      const entries: Record<string, EntryFacts> = Object.create(null)
      for (const entry of desired.entries) entries[entry.metadata.name] = factsOf(entry)
      return entries
    },
    nodes: () =>
      Object.fromEntries(desired.nodes.map((n) => [n.metadata.name, { spiffeID: n.spec.spiffeId }])),
    federatedTrustDomains: () => desired.federationBundles.map((b) => b.spec.trustDomain).sort(cmp),
  }
}

/** Builds the facts in one pass over the desired state (O(entries × roles per entry)). */
export function buildRepositoryFacts(desired: DesiredState): RepositoryFacts {
  const build = factBuilders(desired, new EntryFactsMemo().factsOf(desired))
  return {
    trustDomain: build.trustDomain(),
    scopes: build.scopes(),
    roles: build.roles(),
    usedRoles: build.usedRoles(),
    usedScopes: build.usedScopes(),
    entries: build.entries(),
    nodes: build.nodes(),
    federatedTrustDomains: build.federatedTrustDomains(),
  }
}

/**
 * The facts of `buildRepositoryFacts`, each member computed on its first read (an expression that
 * reads `repository.usedRoles` does not pay for the facts of every entry).
 */
export function lazyRepositoryFacts(
  desired: DesiredState,
  factsOf: (entry: EntryObject) => EntryFacts,
): RepositoryFacts {
  const build = factBuilders(desired, factsOf)
  const facts = {}
  for (const key of Object.keys(build) as (keyof RepositoryFacts)[]) {
    let value: unknown
    let built = false
    Object.defineProperty(facts, key, {
      enumerable: true,
      get: () => {
        if (!built) [value, built] = [build[key](), true]
        return value
      },
    })
  }
  return facts as RepositoryFacts
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
