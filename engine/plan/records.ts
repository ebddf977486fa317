/**
 * Canonical records: the plain-JSON shape of every object kind as the plan shows it in `before` and
 * `after`. Desired objects and live rows map to the same shape, so a diff is a field-by-field compare.
 * Set-like arrays are sorted and deduplicated; `dnsNames` keeps its declared order because the first
 * DNS name becomes the certificate's common name.
 */
import { serverSpiffeId } from '../core/spiffe-id.js'
import type {
  EntryObject,
  FederationBundleObject,
  NodeObject,
  PolicyObject,
  PolicySpec,
  RoleObject,
  ScopeObject,
  TrustDomainObject,
} from '../model/types.js'
import type {
  LiveEntry,
  LiveFederationBundle,
  LivePolicy,
  LiveRole,
  LiveScope,
  LiveTrustDomainSettings,
} from './types.js'

/** An entry or node as the plan shows it: a `LiveEntry` without `id` and store bookkeeping. */
export type EntryRecord = Omit<LiveEntry, 'id' | 'revisionNumber' | 'createdAt' | 'sourceCommit'>
/** A TrustDomain: its name plus the settings a store keeps. */
type Flat<T> = { readonly [K in keyof T]: T[K] }
export type TrustDomainRecord = Flat<{ readonly name: string } & LiveTrustDomainSettings>
export type RoleRecord = Flat<LiveRole>
export type ScopeRecord = Flat<LiveScope>
export type FederationBundleRecord = Flat<LiveFederationBundle>
export type PolicyRecord = Flat<LivePolicy>

/** Field order of each record kind, as written in plan JSON; also the fields compared. */
export const ENTRY_FIELDS = [
  'kind',
  'name',
  'spiffeId',
  'parentId',
  'selectors',
  'x509SvidTtlSeconds',
  'jwtSvidTtlSeconds',
  'dnsNames',
  'federatesWith',
  'hint',
  'admin',
  'downstream',
  'protect',
  'roles',
  'expiresAt',
  'sourceFile',
] as const satisfies readonly (keyof EntryRecord)[]
/** Entry fields outside the key: the ones an `update` may list. */
export const ENTRY_MUTABLE_FIELDS = ENTRY_FIELDS.filter(
  (f) => f !== 'spiffeId' && f !== 'parentId' && f !== 'selectors',
)
export const TRUST_DOMAIN_FIELDS = [
  'name',
  'x509SvidTtlSeconds',
  'jwtSvidTtlSeconds',
  'maxX509SvidTtlSeconds',
  'maxJwtSvidTtlSeconds',
  'entryIdPrefix',
  'maxDeletions',
] as const satisfies readonly (keyof TrustDomainRecord)[]
export const SCOPE_FIELDS = ['name', 'description'] as const satisfies readonly (keyof ScopeRecord)[]
export const ROLE_FIELDS = ['name', 'description', 'scopes'] as const satisfies readonly (keyof RoleRecord)[]
export const FEDERATION_BUNDLE_FIELDS = [
  'name',
  'trustDomain',
  'endpointUrl',
  'endpointProfile',
  'endpointSpiffeId',
  'bundle',
] as const satisfies readonly (keyof FederationBundleRecord)[]
export const POLICY_FIELDS = [
  'name',
  'severity',
  'specJson',
] as const satisfies readonly (keyof PolicyRecord)[]

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Sorted (code-unit order), deduplicated copy, as `sortSelectors` does; the input itself when it
 * already is, so the hot path allocates nothing.
 */
export function sortedSet(values: readonly string[]): readonly string[] {
  for (let i = 1; i < values.length; i++) {
    if (!((values[i - 1] as string) < (values[i] as string))) return [...new Set(values)].sort(cmp)
  }
  return values
}

/** The record a desired Entry becomes; an unset TTL is 0 (= the trust domain default). */
export function entryRecordFromDesired(e: EntryObject): EntryRecord {
  const s = e.spec
  return {
    kind: 'Entry',
    name: e.metadata.name,
    spiffeId: s.spiffeId,
    parentId: s.parentId,
    selectors: sortedSet(s.selectors),
    x509SvidTtlSeconds: s.x509SvidTtlSeconds ?? 0,
    jwtSvidTtlSeconds: s.jwtSvidTtlSeconds ?? 0,
    dnsNames: s.dnsNames,
    federatesWith: sortedSet(s.federatesWith),
    hint: s.hint,
    admin: s.admin,
    downstream: s.downstream,
    protect: s.protect,
    roles: sortedSet(s.roles),
    expiresAt: s.expiresAt ?? 0,
    sourceFile: e.source.file,
  }
}

/** The record a desired Node (alias) becomes: an entry parented on the trust domain's server ID. */
export function entryRecordFromNode(n: NodeObject, trustDomain: string): EntryRecord {
  return {
    kind: 'Node',
    name: n.metadata.name,
    spiffeId: n.spec.spiffeId,
    parentId: serverSpiffeId(trustDomain),
    selectors: sortedSet(n.spec.selectors),
    x509SvidTtlSeconds: 0,
    jwtSvidTtlSeconds: 0,
    dnsNames: [],
    federatesWith: [],
    hint: '',
    admin: false,
    downstream: false,
    protect: n.spec.protect,
    roles: [],
    expiresAt: 0,
    sourceFile: n.source.file,
  }
}

/** The record of a live entry row (set-like arrays normalised). */
export function entryRecordFromLive(e: LiveEntry): EntryRecord {
  return {
    kind: e.kind,
    name: e.name,
    spiffeId: e.spiffeId,
    parentId: e.parentId,
    selectors: sortedSet(e.selectors),
    x509SvidTtlSeconds: e.x509SvidTtlSeconds,
    jwtSvidTtlSeconds: e.jwtSvidTtlSeconds,
    dnsNames: e.dnsNames,
    federatesWith: sortedSet(e.federatesWith),
    hint: e.hint,
    admin: e.admin,
    downstream: e.downstream,
    protect: e.protect,
    roles: sortedSet(e.roles),
    expiresAt: e.expiresAt,
    sourceFile: e.sourceFile,
  }
}

export function trustDomainRecordFromDesired(td: TrustDomainObject): TrustDomainRecord {
  const s = td.spec
  return {
    name: td.metadata.name,
    x509SvidTtlSeconds: s.x509SvidTtlSeconds,
    jwtSvidTtlSeconds: s.jwtSvidTtlSeconds,
    maxX509SvidTtlSeconds: s.maxX509SvidTtlSeconds,
    maxJwtSvidTtlSeconds: s.maxJwtSvidTtlSeconds,
    entryIdPrefix: s.entryIdPrefix,
    maxDeletions: { kind: s.maxDeletions.kind, value: s.maxDeletions.value },
  }
}

export function scopeRecordFromDesired(s: ScopeObject): ScopeRecord {
  return { name: s.metadata.name, description: s.spec.description }
}

export function roleRecordFromDesired(r: RoleObject): RoleRecord {
  return { name: r.metadata.name, description: r.spec.description, scopes: sortedSet(r.spec.scopes) }
}

export function federationBundleRecordFromDesired(b: FederationBundleObject): FederationBundleRecord {
  const ep = b.spec.bundleEndpoint
  return {
    name: b.metadata.name,
    trustDomain: b.spec.trustDomain,
    endpointUrl: ep?.url ?? '',
    endpointProfile: ep?.profile ?? '',
    endpointSpiffeId: ep?.spiffeId ?? '',
    bundle: b.spec.bundle ?? '',
  }
}

export function policyRecordFromDesired(p: PolicyObject): PolicyRecord {
  return { name: p.metadata.name, severity: p.spec.severity, specJson: policySpecJson(p.spec) }
}

/** Canonical JSON of a policy spec (keys sorted, absent optionals omitted): `LivePolicy.specJson`. */
export function policySpecJson(spec: PolicySpec): string {
  return canonicalJson(spec)
}

/** JSON with object keys sorted at every level and `undefined` members omitted; for small values. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`
  const obj = value as Record<string, unknown>
  const parts: string[] = []
  for (const k of Object.keys(obj).sort(cmp)) {
    if (obj[k] !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
  }
  return `{${parts.join(',')}}`
}

/** Equality of record values: primitives, arrays and small objects (e.g. `maxDeletions`). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) {
    if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}

/** The fields (in the given order, which callers keep sorted for `Change.fields`) whose values differ. */
export function differingFields<T extends object>(
  before: T,
  after: T,
  fields: readonly (keyof T & string)[],
): string[] {
  const out: string[] = []
  for (const f of fields) if (!sameValue(before[f], after[f])) out.push(f)
  return out
}
