/**
 * Builds DesiredState values from documents as written, for policy unit tests that must not depend
 * on the model stage. Only the fields the policy stage reads are normalised.
 */
import { parseDurationMs } from '../../../../engine/core/duration.js'
import type { SourceSpan } from '../../../../engine/core/diagnostics.js'
import type { AnyObject, DesiredState, ObjectSource } from '../../../../engine/model/types.js'

type Doc = Record<string, unknown>

/** The span every `fixedLocate` call returns, tagged with the pointer so tests can assert it. */
export function fixedLocate(source: ObjectSource, pointer: string): SourceSpan {
  return {
    file: `${source.file}#${pointer}`,
    line: source.documentIndex + 1,
    column: 1,
    endLine: 1,
    endColumn: 2,
  }
}

const seconds = (v: unknown): number | undefined =>
  typeof v === 'string' ? (parseDurationMs(v) ?? 0) / 1000 : undefined
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [])
const record = (v: unknown): Record<string, string> =>
  v && typeof v === 'object' ? (v as Record<string, string>) : {}

/** One model object from a document as written (file = `<kind>.yaml`, document index = `index`). */
export function objectFrom(raw: Doc, index = 0): AnyObject {
  const meta = record(raw['metadata']) as unknown as Doc
  const spec = (raw['spec'] ?? {}) as Doc
  const kind = raw['kind'] as AnyObject['kind']
  const file = `${kind.toLowerCase()}.yaml`
  const source: ObjectSource = {
    file,
    documentIndex: index,
    span: { file, line: 1, column: 1, endLine: 1, endColumn: 1 },
  }
  const metadata = {
    name: String(meta['name']),
    labels: record(meta['labels']),
    annotations: record(meta['annotations']),
  }
  const base = { metadata, source, raw }
  switch (kind) {
    case 'TrustDomain':
      return {
        ...base,
        kind,
        spec: {
          x509SvidTtlSeconds: seconds(spec['x509SVIDTTL']) ?? 3600,
          jwtSvidTtlSeconds: seconds(spec['jwtSVIDTTL']) ?? 300,
          maxX509SvidTtlSeconds: seconds(spec['maxX509SVIDTTL']) ?? 86_400,
          maxJwtSvidTtlSeconds: seconds(spec['maxJWTSVIDTTL']) ?? 3600,
          entryIdPrefix: 'sigil.',
          maxDeletions: { kind: 'percent', value: 10 },
        },
      }
    case 'Scope':
      return { ...base, kind, spec: { description: String(spec['description'] ?? '') } }
    case 'Role':
      return { ...base, kind, spec: { description: '', scopes: strings(spec['scopes']) } }
    case 'Entry':
      return {
        ...base,
        kind,
        spec: {
          spiffeId: String(spec['spiffeID']),
          parentId: String(spec['parentID'] ?? ''),
          selectors: strings(spec['selectors']),
          roles: strings(spec['roles']),
          x509SvidTtlSeconds: seconds(spec['x509SVIDTTL']),
          jwtSvidTtlSeconds: seconds(spec['jwtSVIDTTL']),
          dnsNames: [],
          federatesWith: strings(spec['federatesWith']),
          hint: '',
          admin: spec['admin'] === true,
          downstream: spec['downstream'] === true,
          protect: false,
        },
      }
    case 'Node':
      return {
        ...base,
        kind,
        spec: { spiffeId: String(spec['spiffeID']), selectors: strings(spec['selectors']), protect: false },
      }
    case 'FederationBundle':
      return { ...base, kind, spec: { trustDomain: String(spec['trustDomain']) } }
    case 'Policy': {
      const match = record(spec['match']) as unknown as Doc
      return {
        ...base,
        kind,
        spec: {
          severity: spec['severity'] === 'warning' ? 'warning' : 'error',
          match: {
            kinds: strings(match['kinds']) as AnyObject['kind'][],
            ...(typeof match['spiffeIDPrefix'] === 'string'
              ? { spiffeIdPrefix: match['spiffeIDPrefix'] }
              : {}),
            labels: record(match['labels']),
          },
          expression: String(spec['expression']),
          message: String(spec['message'] ?? ''),
          rationale: String(spec['rationale'] ?? ''),
        },
      }
    }
  }
}

/** A DesiredState from documents as written; each kind's list is sorted by name like the model's. */
export function desiredFrom(docs: readonly Doc[]): DesiredState {
  const objects = docs.map((d, i) => objectFrom(d, i))
  const of = <K extends AnyObject['kind']>(kind: K) =>
    objects
      .filter((o): o is Extract<AnyObject, { kind: K }> => o.kind === kind)
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))
  const [trustDomain] = of('TrustDomain')
  return {
    ...(trustDomain ? { trustDomain } : {}),
    scopes: of('Scope'),
    roles: of('Role'),
    entries: of('Entry'),
    nodes: of('Node'),
    federationBundles: of('FederationBundle'),
    policies: of('Policy'),
  }
}

/** Shorthand for an Entry document. */
export function entryDoc(name: string, spec: Doc, metadata: Doc = {}): Doc {
  return { apiVersion: 'sigil/v1', kind: 'Entry', metadata: { name, ...metadata }, spec }
}
