/** Row shapes of the SQLite schema and their mapping to the contract types. */
import type { LiveEntry, LiveFederationBundle, LivePolicy, LiveRole, LiveScope } from '../plan/types.js'
import type { AuditRecord, EntryRecord } from './registration-store.js'
import { StoreCorruptError } from './errors.js'

/** Column list of `entries`, in insert order. */
export const ENTRY_COLUMNS =
  'id, kind, name, entry_key, spiffe_id, parent_id, selectors, x509_svid_ttl, jwt_svid_ttl, dns_names, ' +
  'federates_with, hint, admin, downstream, protect, roles, expires_at, revision_number, created_at, ' +
  'source_file, source_commit, changed_revision'

export interface EntryRow {
  id: string
  kind: 'Entry' | 'Node'
  name: string
  entry_key: string
  spiffe_id: string
  parent_id: string
  selectors: string
  x509_svid_ttl: number
  jwt_svid_ttl: number
  dns_names: string
  federates_with: string
  hint: string
  admin: number
  downstream: number
  protect: number
  roles: string
  expires_at: number
  revision_number: number
  created_at: number
  source_file: string
  source_commit: string
}

function parseList(text: string, id: string): readonly string[] {
  const value: unknown = JSON.parse(text)
  if (!Array.isArray(value)) throw new StoreCorruptError(`entry ${id} has a malformed list column`)
  return value as string[]
}

/** A stored row as the contract type. */
export function entryFromRow(row: EntryRow): LiveEntry {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    spiffeId: row.spiffe_id,
    parentId: row.parent_id,
    selectors: parseList(row.selectors, row.id),
    x509SvidTtlSeconds: row.x509_svid_ttl,
    jwtSvidTtlSeconds: row.jwt_svid_ttl,
    dnsNames: parseList(row.dns_names, row.id),
    federatesWith: parseList(row.federates_with, row.id),
    hint: row.hint,
    admin: row.admin === 1,
    downstream: row.downstream === 1,
    protect: row.protect === 1,
    roles: parseList(row.roles, row.id),
    expiresAt: row.expires_at,
    revisionNumber: row.revision_number,
    createdAt: row.created_at,
    sourceFile: row.source_file,
    sourceCommit: row.source_commit,
  }
}

/** The columns `entryFromValues` maps, in order: every contract field, without store bookkeeping. */
export const ENTRY_READ_COLUMNS =
  'id, kind, name, spiffe_id, parent_id, selectors, x509_svid_ttl, jwt_svid_ttl, dns_names, ' +
  'federates_with, hint, admin, downstream, protect, roles, expires_at, revision_number, created_at, ' +
  'source_file, source_commit'

// most list columns of most rows are empty: skip the parser for them
const listOf = (text: string, id: string): readonly string[] => (text === '[]' ? [] : parseList(text, id))

/**
 * A row of `SELECT ${ENTRY_READ_COLUMNS}` in raw mode (an array per row) as the contract type:
 * reading rows as arrays and mapping them at once leaves far less for the garbage collector than
 * row objects with a property per column.
 */
export function entryFromValues(v: readonly unknown[]): LiveEntry {
  const id = v[0] as string
  return {
    id,
    kind: v[1] as LiveEntry['kind'],
    name: v[2] as string,
    spiffeId: v[3] as string,
    parentId: v[4] as string,
    selectors: listOf(v[5] as string, id),
    x509SvidTtlSeconds: v[6] as number,
    jwtSvidTtlSeconds: v[7] as number,
    dnsNames: listOf(v[8] as string, id),
    federatesWith: listOf(v[9] as string, id),
    hint: v[10] as string,
    admin: v[11] === 1,
    downstream: v[12] === 1,
    protect: v[13] === 1,
    roles: listOf(v[14] as string, id),
    expiresAt: v[15] as number,
    revisionNumber: v[16] as number,
    createdAt: v[17] as number,
    sourceFile: v[18] as string,
    sourceCommit: v[19] as string,
  }
}

const sorted = (list: readonly string[]) =>
  JSON.stringify([...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))

/**
 * The mutable columns of an entry record, in `ENTRY_COLUMNS` order from `kind` to `roles`, then
 * `expires_at`; list columns are stored sorted (dnsNames keep their declared order: the first is the CN).
 */
export function entryValues(entry: EntryRecord, key: string): unknown[] {
  return [
    entry.kind,
    entry.name,
    key,
    entry.spiffeId,
    entry.parentId,
    sorted(entry.selectors),
    entry.x509SvidTtlSeconds,
    entry.jwtSvidTtlSeconds,
    JSON.stringify(entry.dnsNames),
    sorted(entry.federatesWith),
    entry.hint,
    entry.admin ? 1 : 0,
    entry.downstream ? 1 : 0,
    entry.protect ? 1 : 0,
    sorted(entry.roles),
    entry.expiresAt,
  ]
}

export interface RoleRow {
  name: string
  description: string
  scopes: string
}
export const roleFromRow = (r: RoleRow): LiveRole => ({
  name: r.name,
  description: r.description,
  scopes: parseList(r.scopes, r.name),
})

export interface ScopeRow {
  name: string
  description: string
}
export const scopeFromRow = (r: ScopeRow): LiveScope => ({ name: r.name, description: r.description })

export interface BundleRow {
  name: string
  trust_domain: string
  endpoint_url: string
  endpoint_profile: string
  endpoint_spiffe_id: string
  bundle: string
}
export const bundleFromRow = (r: BundleRow): LiveFederationBundle => ({
  name: r.name,
  trustDomain: r.trust_domain,
  endpointUrl: r.endpoint_url,
  endpointProfile: r.endpoint_profile as LiveFederationBundle['endpointProfile'],
  endpointSpiffeId: r.endpoint_spiffe_id,
  bundle: r.bundle,
})

export interface PolicyRow {
  name: string
  severity: 'error' | 'warning'
  spec_json: string
}
export const policyFromRow = (r: PolicyRow): LivePolicy => ({
  name: r.name,
  severity: r.severity,
  specJson: r.spec_json,
})

export interface AuditRow {
  seq: number
  at_ms: number
  actor: string
  event: string
  revision: number
  data: string
  prev_hash: string
  hash: string
}
export const auditFromRow = (r: AuditRow): AuditRecord => ({
  seq: r.seq,
  atMs: r.at_ms,
  actor: r.actor,
  event: r.event,
  revision: r.revision,
  data: JSON.parse(r.data) as Record<string, unknown>,
  prevHash: r.prev_hash,
  hash: r.hash,
})

/** Opaque page token for a string or number cursor. */
export function encodePageToken(cursor: string | number): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

/** The cursor inside a page token; caller misuse (a forged token) is a TypeError. */
export function decodePageToken<T extends string | number>(token: string, type: 'string' | 'number'): T {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString())
  } catch {
    throw new TypeError('invalid page token')
  }
  if (typeof value !== type) throw new TypeError('invalid page token')
  return value as T
}
