/** Turns a schema-valid document into its typed object, applying the defaults of DESIGN.md §2. */
import { parseDurationMs } from '../core/duration.js'
import type {
  AnyObject,
  DeletionLimit,
  EntrySpec,
  Kind,
  ObjectMeta,
  ObjectSource,
  PolicyMatch,
} from './types.js'

type Raw = Readonly<Record<string, unknown>>

const DEFAULTS = {
  x509SvidTtlSeconds: 3600,
  jwtSvidTtlSeconds: 300,
  maxX509SvidTtlSeconds: 86_400,
  maxJwtSvidTtlSeconds: 3600,
  entryIdPrefix: 'sigil.',
  maxDeletions: { kind: 'percent', value: 10 } as DeletionLimit,
} as const

/** TrustDomain defaults, exported for documentation and tests. */
export const TRUST_DOMAIN_DEFAULTS = DEFAULTS

const obj = (v: unknown): Raw => (v ?? {}) as Raw
const strings = (v: unknown): readonly string[] => (v as string[] | undefined) ?? []
// the same few durations ("1h", "5m") appear on most entries
const durationCache = new Map<string, number>()
function seconds(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined
  let s = durationCache.get(v)
  if (s === undefined) {
    s = (parseDurationMs(v) as number) / 1000
    if (durationCache.size < 1000) durationCache.set(v, s)
  }
  return s
}

function meta(raw: Raw): ObjectMeta {
  const m = obj(raw['metadata'])
  return {
    name: m['name'] as string,
    labels: (m['labels'] as Record<string, string> | undefined) ?? {},
    annotations: (m['annotations'] as Record<string, string> | undefined) ?? {},
  }
}

function deletionLimit(v: unknown): DeletionLimit {
  if (typeof v === 'number') return { kind: 'count', value: v }
  if (typeof v === 'string') return { kind: 'percent', value: Number(v.slice(0, -1)) }
  return DEFAULTS.maxDeletions
}

/** Builds the typed object for a document that passed its kind's schema. */
export function normalizeObject(kind: Kind, raw: Raw, source: ObjectSource): AnyObject {
  const base = { metadata: meta(raw), source, raw }
  const s = obj(raw['spec'])
  switch (kind) {
    case 'TrustDomain':
      return {
        ...base,
        kind,
        spec: {
          x509SvidTtlSeconds: seconds(s['x509SVIDTTL']) ?? DEFAULTS.x509SvidTtlSeconds,
          jwtSvidTtlSeconds: seconds(s['jwtSVIDTTL']) ?? DEFAULTS.jwtSvidTtlSeconds,
          maxX509SvidTtlSeconds: seconds(s['maxX509SVIDTTL']) ?? DEFAULTS.maxX509SvidTtlSeconds,
          maxJwtSvidTtlSeconds: seconds(s['maxJWTSVIDTTL']) ?? DEFAULTS.maxJwtSvidTtlSeconds,
          entryIdPrefix:
            (obj(s['ownership'])['entryIDPrefix'] as string | undefined) ?? DEFAULTS.entryIdPrefix,
          maxDeletions: deletionLimit(obj(s['safety'])['maxDeletions']),
        },
      }
    case 'Scope':
      return { ...base, kind, spec: { description: s['description'] as string } }
    case 'Role':
      return {
        ...base,
        kind,
        spec: { description: (s['description'] as string | undefined) ?? '', scopes: strings(s['scopes']) },
      }
    case 'Entry': {
      const spec: { -readonly [K in keyof EntrySpec]: EntrySpec[K] } = {
        spiffeId: s['spiffeID'] as string,
        parentId: s['parentID'] as string,
        selectors: strings(s['selectors']),
        roles: strings(s['roles']),
        dnsNames: strings(s['dnsNames']),
        federatesWith: strings(s['federatesWith']),
        hint: (s['hint'] as string | undefined) ?? '',
        admin: s['admin'] === true,
        downstream: s['downstream'] === true,
        protect: s['protect'] === true,
      }
      const x509 = seconds(s['x509SVIDTTL'])
      const jwt = seconds(s['jwtSVIDTTL'])
      if (x509 !== undefined) spec.x509SvidTtlSeconds = x509
      if (jwt !== undefined) spec.jwtSvidTtlSeconds = jwt
      return { kind, metadata: base.metadata, spec, source, raw }
    }
    case 'Node':
      return {
        ...base,
        kind,
        spec: {
          spiffeId: s['spiffeID'] as string,
          selectors: strings(s['selectors']),
          protect: s['protect'] === true,
        },
      }
    case 'FederationBundle': {
      const endpoint = s['bundleEndpoint'] as Raw | undefined
      return {
        ...base,
        kind,
        spec: {
          trustDomain: s['trustDomain'] as string,
          ...(endpoint
            ? {
                bundleEndpoint: {
                  url: endpoint['url'] as string,
                  profile: endpoint['profile'] as 'https_spiffe' | 'https_web',
                  ...(endpoint['spiffeID'] === undefined ? {} : { spiffeId: endpoint['spiffeID'] as string }),
                },
              }
            : {}),
          ...(s['bundle'] === undefined ? {} : { bundle: s['bundle'] as string }),
        },
      }
    }
    case 'Policy': {
      const m = obj(s['match'])
      const match: PolicyMatch = {
        kinds: (m['kinds'] as Kind[] | undefined) ?? [],
        ...(m['spiffeIDPrefix'] === undefined ? {} : { spiffeIdPrefix: m['spiffeIDPrefix'] as string }),
        labels: (m['labels'] as Record<string, string> | undefined) ?? {},
      }
      return {
        ...base,
        kind,
        spec: {
          severity: s['severity'] as 'error' | 'warning',
          match,
          expression: s['expression'] as string,
          message: s['message'] as string,
          rationale: (s['rationale'] as string | undefined) ?? '',
        },
      }
    }
  }
}
