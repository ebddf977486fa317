/**
 * SPIRE entries → an identity repository: one TrustDomain, a Node per entry parented to the server,
 * an Entry per other entry, a FederationBundle per federated trust domain, rendered as YAML files.
 * Whatever Sigil's YAML has no field for is kept in `sigil/spire-*` annotations. Pure.
 */
import type { Checked, Diagnostic } from '../core/diagnostics.js'
import { formatDurationMs } from '../core/duration.js'
import { parseSpiffeId, serverSpiffeId } from '../core/spiffe-id.js'
import type { SourceFile } from '../model/types.js'
import { assignNames, baseName, entryFileFor, IMPORT_FILES } from './names.js'
import { renderYamlFile, type YamlDocument } from './render-yaml.js'
import { formatUnixSeconds, SPIRE_ANNOTATIONS, type SpireEntry } from './spire-entry.js'

/** Options of `importSpireEntries`. */
export interface ImportSpireOptions {
  /** Extra annotations (e.g. waivers) by `Kind/name`, merged into the generated objects. */
  readonly annotations?: ReadonlyMap<string, Readonly<Record<string, string>>>
}

/** One generated object and the SPIRE entry it came from (undefined for TrustDomain and bundles). */
export interface ImportedObject {
  readonly kind: 'TrustDomain' | 'FederationBundle' | 'Node' | 'Entry'
  readonly name: string
  readonly file: string
  readonly entryIndex?: number
}

/** The generated repository. */
export interface ImportedRepository {
  readonly trustDomain: string
  readonly files: readonly SourceFile[]
  readonly objects: readonly ImportedObject[]
}

// the built-in ceilings (TrustDomain maxX509SVIDTTL / maxJWTSVIDTTL defaults), in seconds
const DEFAULT_MAX_X509_TTL = 86_400
const DEFAULT_MAX_JWT_TTL = 3600
const HEADER = 'Imported from SPIRE with `sigil import spire`.'

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const duration = (seconds: number): string => formatDurationMs(seconds * 1000)

/** The trust domain every entry is in, or diagnostics naming the entries that disagree. */
function commonTrustDomain(entries: readonly SpireEntry[]): Checked<string> {
  const byTd = new Map<string, number[]>()
  entries.forEach((e, i) => {
    for (const id of [e.spiffeId, e.parentId]) {
      const parsed = parseSpiffeId(id)
      if (!parsed.ok) continue
      const list = byTd.get(parsed.value.trustDomain) ?? []
      if (!list.includes(i)) list.push(i)
      byTd.set(parsed.value.trustDomain, list)
    }
  })
  const tds = [...byTd.keys()].sort(cmp)
  if (tds.length === 1) return { ok: true, value: tds[0] as string, diagnostics: [] }
  const message =
    tds.length === 0
      ? 'there are no entries to import'
      : `entries are in ${tds.length} trust domains; a repository holds one: ` +
        tds.map((td) => `${td} (entries ${(byTd.get(td) ?? []).join(', ')})`).join('; ')
  const diagnostic: Diagnostic = {
    code: 'ERR_IMPORT_TRUST_DOMAIN',
    severity: 'error',
    message,
    path: '/entries',
  }
  return { ok: false, diagnostics: [diagnostic] }
}

function sortKey(e: SpireEntry): string {
  const selectors = e.selectors.map((s) => `${s.type}:${s.value}`).sort(cmp)
  return [e.spiffeId, e.parentId, ...selectors, e.entryId].join('\u0000')
}

function commonAnnotations(e: SpireEntry): Record<string, string> {
  const a: Record<string, string> = {}
  if (e.entryId !== '') a[SPIRE_ANNOTATIONS.entryId] = e.entryId
  if (e.expiresAt !== 0) a[SPIRE_ANNOTATIONS.expiresAt] = formatUnixSeconds(e.expiresAt)
  if (e.storeSvid) a[SPIRE_ANNOTATIONS.storeSvid] = 'true'
  if (e.disableX509SvidPrefetch) a[SPIRE_ANNOTATIONS.disableX509SvidPrefetch] = 'true'
  if (e.jwtSvidIncludeJti) a[SPIRE_ANNOTATIONS.jwtSvidIncludeJti] = 'true'
  return a
}

/** SPIRE fields a Node has no place for, as JSON with SPIRE's key names ('' when there are none). */
function nodeFields(e: SpireEntry): string {
  const f: Record<string, unknown> = {}
  if (e.x509SvidTtl !== 0) f['x509_svid_ttl'] = e.x509SvidTtl
  if (e.jwtSvidTtl !== 0) f['jwt_svid_ttl'] = e.jwtSvidTtl
  if (e.dnsNames.length > 0) f['dns_names'] = e.dnsNames
  if (e.federatesWith.length > 0) f['federates_with'] = e.federatesWith
  if (e.hint !== '') f['hint'] = e.hint
  if (e.admin) f['admin'] = true
  if (e.downstream) f['downstream'] = true
  return Object.keys(f).length === 0 ? '' : JSON.stringify(f)
}

function metadata(
  name: string,
  annotations: Record<string, string>,
  extra?: Readonly<Record<string, string>>,
) {
  const all = { ...annotations, ...extra }
  const keys = Object.keys(all).sort(cmp)
  return keys.length === 0
    ? { name }
    : { name, annotations: Object.fromEntries(keys.map((k) => [k, all[k]])) }
}

function entrySpec(e: SpireEntry): Record<string, unknown> {
  return {
    spiffeID: e.spiffeId,
    parentID: e.parentId,
    selectors: e.selectors.map((s) => `${s.type}:${s.value}`),
    ...(e.x509SvidTtl > 0 ? { x509SVIDTTL: duration(e.x509SvidTtl) } : {}),
    ...(e.jwtSvidTtl > 0 ? { jwtSVIDTTL: duration(e.jwtSvidTtl) } : {}),
    ...(e.dnsNames.length > 0 ? { dnsNames: [...e.dnsNames] } : {}),
    ...(e.federatesWith.length > 0 ? { federatesWith: [...e.federatesWith] } : {}),
    ...(e.hint !== '' ? { hint: e.hint } : {}),
    ...(e.admin ? { admin: true } : {}),
    ...(e.downstream ? { downstream: true } : {}),
  }
}

/**
 * Converts parsed SPIRE entries into repository files. Fails when there are no entries or they span
 * several trust domains. Names and files depend only on the set of entries, not on their order.
 */
export function importSpireEntries(
  entries: readonly SpireEntry[],
  options: ImportSpireOptions = {},
): Checked<ImportedRepository> {
  const tdResult = commonTrustDomain(entries)
  if (!tdResult.ok) return tdResult
  const td = tdResult.value
  const server = serverSpiffeId(td)
  const extra = (kind: string, name: string) => options.annotations?.get(`${kind}/${name}`)
  const isNode = (e: SpireEntry) => e.parentId === server
  const nodes = entries.map((e, i) => ({ e, i })).filter(({ e }) => isNode(e))
  const workloads = entries.map((e, i) => ({ e, i })).filter(({ e }) => !isNode(e))
  const nodeNames = assignNames(nodes.map(({ e }) => ({ sortKey: sortKey(e), base: baseName(e.spiffeId) })))
  const entryNames = assignNames(
    workloads.map(({ e }) => ({ sortKey: sortKey(e), base: baseName(e.spiffeId) })),
  )

  const files = new Map<string, { name: string; doc: YamlDocument }[]>()
  const objects: ImportedObject[] = []
  const add = (
    file: string,
    kind: ImportedObject['kind'],
    name: string,
    doc: YamlDocument,
    entryIndex?: number,
  ) => {
    files.set(file, [...(files.get(file) ?? []), { name, doc }])
    objects.push({ kind, name, file, ...(entryIndex === undefined ? {} : { entryIndex }) })
  }

  nodes.forEach(({ e, i }, n) => {
    const name = nodeNames[n] as string
    const annotations = commonAnnotations(e)
    const fields = nodeFields(e)
    if (fields !== '') annotations[SPIRE_ANNOTATIONS.nodeFields] = fields
    const spec = { spiffeID: e.spiffeId, selectors: e.selectors.map((s) => `${s.type}:${s.value}`) }
    const doc = {
      body: {
        apiVersion: 'sigil/v1',
        kind: 'Node',
        metadata: metadata(name, annotations, extra('Node', name)),
        spec,
      },
    }
    add(IMPORT_FILES.nodes, 'Node', name, doc, i)
  })
  workloads.forEach(({ e, i }, n) => {
    const name = entryNames[n] as string
    const meta = metadata(name, commonAnnotations(e), extra('Entry', name))
    const doc = { body: { apiVersion: 'sigil/v1', kind: 'Entry', metadata: meta, spec: entrySpec(e) } }
    add(entryFileFor(e.spiffeId), 'Entry', name, doc, i)
  })

  const federated = [...new Set(entries.flatMap((e) => e.federatesWith))].filter((t) => t !== td).sort(cmp)
  for (const partner of federated)
    add(
      IMPORT_FILES.federation,
      'FederationBundle',
      partner,
      bundleDocument(partner, extra('FederationBundle', partner)),
    )
  add(
    IMPORT_FILES.trustDomain,
    'TrustDomain',
    td,
    trustDomainDocument(
      td,
      workloads.map(({ e }) => e),
      extra('TrustDomain', td),
    ),
  )

  const rendered: SourceFile[] = [...files.keys()].sort(cmp).map((path) => {
    const docs = (files.get(path) ?? []).sort((a, b) => cmp(a.name, b.name)).map((d) => d.doc)
    return { path, text: renderYamlFile(HEADER, docs) }
  })
  return { ok: true, value: { trustDomain: td, files: rendered, objects }, diagnostics: [] }
}

function trustDomainDocument(
  td: string,
  entries: readonly SpireEntry[],
  extra?: Readonly<Record<string, string>>,
): YamlDocument {
  const maxX509 = Math.max(0, ...entries.map((e) => e.x509SvidTtl))
  const maxJwt = Math.max(0, ...entries.map((e) => e.jwtSvidTtl))
  // raise a ceiling only as far as SPIRE already issued, so the import keeps behaving as before
  const spec = {
    ...(maxX509 > DEFAULT_MAX_X509_TTL ? { maxX509SVIDTTL: duration(maxX509) } : {}),
    ...(maxJwt > DEFAULT_MAX_JWT_TTL ? { maxJWTSVIDTTL: duration(maxJwt) } : {}),
  }
  return {
    body: {
      apiVersion: 'sigil/v1',
      kind: 'TrustDomain',
      metadata: metadata(td, {}, extra),
      ...(Object.keys(spec).length > 0 ? { spec } : {}),
    },
  }
}

function bundleDocument(partner: string, extra?: Readonly<Record<string, string>>): YamlDocument {
  return {
    comment:
      ` TODO: SPIRE's entry JSON does not say where ${partner} publishes its bundle. Replace this\n` +
      ' guessed endpoint with the real one (SPIRE: `spire-server federation show`), or pin a bundle.',
    body: {
      apiVersion: 'sigil/v1',
      kind: 'FederationBundle',
      metadata: metadata(partner, {}, extra),
      spec: {
        trustDomain: partner,
        bundleEndpoint: {
          url: `https://${partner}/`,
          profile: 'https_spiffe',
          spiffeID: serverSpiffeId(partner),
        },
      },
    },
  }
}
