/**
 * Repository or live state → SPIRE entries, and SPIRE's `entry create -data` JSON. Roles, protect,
 * labels and other annotations have no SPIRE field and are left out. Pure.
 */
import type { Checked, Diagnostic } from '../core/diagnostics.js'
import { parseSpiffeId, serverSpiffeId } from '../core/spiffe-id.js'
import type { DesiredState, EntryObject, NodeObject } from '../model/types.js'
import type { LiveState } from '../plan/types.js'
import { EMPTY_SPIRE_ENTRY, parseUnixSeconds, SPIRE_ANNOTATIONS, type SpireEntry } from './spire-entry.js'

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

function selectorsOf(list: readonly string[]): SpireEntry['selectors'] {
  return list.map((s) => {
    const colon = s.indexOf(':')
    return { type: s.slice(0, colon), value: s.slice(colon + 1) }
  })
}

type Report = (pointer: string, message: string) => void

/** SPIRE fields kept in annotations (entry ID, expiry, store_svid, additional attributes). */
function fromAnnotations(object: NodeObject | EntryObject, report: Report): Partial<SpireEntry> {
  const a = object.metadata.annotations
  const out: Partial<Record<keyof SpireEntry, unknown>> = {}
  const id = a[SPIRE_ANNOTATIONS.entryId]
  if (id !== undefined) out.entryId = id
  const expires = a[SPIRE_ANNOTATIONS.expiresAt]
  if (expires !== undefined) {
    const seconds = parseUnixSeconds(expires)
    if (seconds === undefined) report(SPIRE_ANNOTATIONS.expiresAt, `"${expires}" is not an RFC 3339 time`)
    else out.expiresAt = seconds
  }
  const flags = [
    ['storeSvid', SPIRE_ANNOTATIONS.storeSvid],
    ['disableX509SvidPrefetch', SPIRE_ANNOTATIONS.disableX509SvidPrefetch],
    ['jwtSvidIncludeJti', SPIRE_ANNOTATIONS.jwtSvidIncludeJti],
  ] as const
  for (const [field, key] of flags) {
    const value = a[key]
    if (value === undefined) continue
    if (value !== 'true' && value !== 'false') report(key, `"${value}" must be "true" or "false"`)
    else out[field] = value === 'true'
  }
  return out as Partial<SpireEntry>
}

/** The JSON in `sigil/spire-node-fields`, checked field by field. */
function nodeFields(node: NodeObject, report: Report): Partial<SpireEntry> {
  const text = node.metadata.annotations[SPIRE_ANNOTATIONS.nodeFields]
  if (text === undefined) return {}
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    raw = undefined
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    report(SPIRE_ANNOTATIONS.nodeFields, 'must be a JSON object')
    return {}
  }
  const out: Partial<Record<keyof SpireEntry, unknown>> = {}
  const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0
  const isList = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string')
  const fields = {
    x509_svid_ttl: ['x509SvidTtl', isCount],
    jwt_svid_ttl: ['jwtSvidTtl', isCount],
    dns_names: ['dnsNames', isList],
    federates_with: ['federatesWith', isList],
    hint: ['hint', (v: unknown) => typeof v === 'string'],
    admin: ['admin', (v: unknown) => typeof v === 'boolean'],
    downstream: ['downstream', (v: unknown) => typeof v === 'boolean'],
  } as const
  for (const [key, value] of Object.entries(raw)) {
    const field = (fields as Record<string, readonly [keyof SpireEntry, (v: unknown) => boolean]>)[key]
    if (field === undefined || !field[1](value))
      report(SPIRE_ANNOTATIONS.nodeFields, `bad or unknown field "${key}"`)
    else out[field[0]] = value
  }
  return out as Partial<SpireEntry>
}

/**
 * The SPIRE entries a repository declares: Nodes (parent = the server) then Entries, each by name.
 * An Entry without its own TTL gets the TrustDomain's `x509SVIDTTL`/`jwtSVIDTTL` when the repository
 * sets one, else 0 (SPIRE's server default). Fails on malformed `sigil/spire-*` annotations.
 */
export function spireEntriesFromDesired(desired: DesiredState): Checked<SpireEntry[]> {
  const problems: Diagnostic[] = []
  const reporter =
    (object: NodeObject | EntryObject): Report =>
    (key, message) =>
      problems.push({
        code: 'ERR_EXPORT_ANNOTATION',
        severity: 'error',
        message: `annotation ${key}: ${message}`,
        path: `/metadata/annotations/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`,
        span: object.source.span,
        object: `${object.kind}/${object.metadata.name}`,
      })
  const td = desired.trustDomain
  const rawTd = (td?.raw['spec'] ?? {}) as Record<string, unknown>
  const defaultX509 = td !== undefined && rawTd['x509SVIDTTL'] !== undefined ? td.spec.x509SvidTtlSeconds : 0
  const defaultJwt = td !== undefined && rawTd['jwtSVIDTTL'] !== undefined ? td.spec.jwtSvidTtlSeconds : 0
  const out: SpireEntry[] = []
  for (const node of desired.nodes) {
    const report = reporter(node)
    const parsed = parseSpiffeId(node.spec.spiffeId)
    const trustDomain = td?.metadata.name ?? (parsed.ok ? parsed.value.trustDomain : '')
    out.push({
      ...EMPTY_SPIRE_ENTRY,
      spiffeId: node.spec.spiffeId,
      parentId: serverSpiffeId(trustDomain),
      selectors: selectorsOf(node.spec.selectors),
      ...nodeFields(node, report),
      ...fromAnnotations(node, report),
    })
  }
  for (const entry of desired.entries) {
    const s = entry.spec
    out.push({
      ...EMPTY_SPIRE_ENTRY,
      spiffeId: s.spiffeId,
      parentId: s.parentId,
      selectors: selectorsOf(s.selectors),
      x509SvidTtl: s.x509SvidTtlSeconds ?? defaultX509,
      jwtSvidTtl: s.jwtSvidTtlSeconds ?? defaultJwt,
      federatesWith: s.federatesWith,
      admin: s.admin,
      downstream: s.downstream,
      dnsNames: s.dnsNames,
      hint: s.hint,
      ...(s.expiresAt === undefined ? {} : { expiresAt: s.expiresAt }),
      ...fromAnnotations(entry, reporter(entry)),
    })
  }
  return problems.length > 0
    ? { ok: false, diagnostics: problems }
    : { ok: true, value: out, diagnostics: [] }
}

/** The SPIRE entries of a live store, sorted by entry ID (which is kept as `entry_id`). */
export function spireEntriesFromLive(live: LiveState): SpireEntry[] {
  return [...live.entries]
    .sort((a, b) => cmp(a.id, b.id))
    .map((e) => ({
      ...EMPTY_SPIRE_ENTRY,
      entryId: e.id,
      spiffeId: e.spiffeId,
      parentId: e.parentId,
      selectors: selectorsOf(e.selectors),
      x509SvidTtl: e.x509SvidTtlSeconds,
      jwtSvidTtl: e.jwtSvidTtlSeconds,
      federatesWith: e.federatesWith,
      admin: e.admin,
      downstream: e.downstream,
      expiresAt: e.expiresAt,
      dnsNames: e.dnsNames,
      hint: e.hint,
    }))
}

/** One entry in `entry create -data` form (spiffe-reference §6.2): snake_case, `entryExpiry`, only set fields. */
export function toRegistrationEntryJson(e: SpireEntry): Record<string, unknown> {
  const attributes = {
    ...(e.disableX509SvidPrefetch ? { disable_x509_svid_prefetch: true } : {}),
    ...(e.jwtSvidIncludeJti ? { jwt_svid_include_jti: true } : {}),
  }
  return {
    selectors: e.selectors.map((s) => ({ type: s.type, value: s.value })),
    spiffe_id: e.spiffeId,
    parent_id: e.parentId,
    ...(e.x509SvidTtl > 0 ? { x509_svid_ttl: e.x509SvidTtl } : {}),
    ...(e.jwtSvidTtl > 0 ? { jwt_svid_ttl: e.jwtSvidTtl } : {}),
    ...(e.federatesWith.length > 0 ? { federates_with: [...e.federatesWith] } : {}),
    ...(e.entryId !== '' ? { entry_id: e.entryId } : {}),
    ...(e.admin ? { admin: true } : {}),
    ...(e.downstream ? { downstream: true } : {}),
    ...(e.expiresAt > 0 ? { entryExpiry: e.expiresAt } : {}),
    ...(e.dnsNames.length > 0 ? { dns_names: [...e.dnsNames] } : {}),
    ...(e.storeSvid ? { store_svid: true } : {}),
    ...(e.hint !== '' ? { hint: e.hint } : {}),
    ...(Object.keys(attributes).length > 0 ? { additional_attributes: attributes } : {}),
  }
}

/** The `entry create -data` file for `entries`, pretty-printed, ending in a newline. */
export function formatEntryCreateData(entries: readonly SpireEntry[]): string {
  return `${JSON.stringify({ entries: entries.map(toRegistrationEntryJson) }, null, 2)}\n`
}
