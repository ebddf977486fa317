/**
 * SPIRE registration entries as one canonical value, whichever JSON shape they came from
 * (spiffe-reference §6.2), and the annotations that carry what Sigil's YAML has no field for.
 */

/** One SPIRE registration entry. Zero, '' and false mean "not set", as in SPIRE. */
export interface SpireEntry {
  /** Entry ID ('' = none; SPIRE generates one). */
  readonly entryId: string
  readonly spiffeId: string
  readonly parentId: string
  /** In input order; `type` without ':', `value` non-empty. */
  readonly selectors: readonly { readonly type: string; readonly value: string }[]
  /** Seconds; 0 = the server default. */
  readonly x509SvidTtl: number
  readonly jwtSvidTtl: number
  /** Trust domain names (never `spiffe://` IDs). */
  readonly federatesWith: readonly string[]
  readonly admin: boolean
  readonly downstream: boolean
  /** Unix seconds; 0 = never. */
  readonly expiresAt: number
  readonly dnsNames: readonly string[]
  readonly storeSvid: boolean
  readonly hint: string
  readonly disableX509SvidPrefetch: boolean
  readonly jwtSvidIncludeJti: boolean
}

/** The two JSON shapes SPIRE's CLI speaks. */
export type SpireShape = 'entry-create-data' | 'entry-show-json'

/** An entry with every optional field at its default (for building entries field by field). */
export const EMPTY_SPIRE_ENTRY: SpireEntry = {
  entryId: '',
  spiffeId: '',
  parentId: '',
  selectors: [],
  x509SvidTtl: 0,
  jwtSvidTtl: 0,
  federatesWith: [],
  admin: false,
  downstream: false,
  expiresAt: 0,
  dnsNames: [],
  storeSvid: false,
  hint: '',
  disableX509SvidPrefetch: false,
  jwtSvidIncludeJti: false,
}

/**
 * Annotations that keep SPIRE fields Sigil's YAML has no field for, so import → export is lossless.
 * Values are strings: an entry ID, an RFC 3339 UTC time, `"true"`, or JSON for Node extras.
 */
export const SPIRE_ANNOTATIONS = {
  /** The SPIRE entry ID (custom or generated). */
  entryId: 'sigil/spire-entry-id',
  /** Entry expiry, RFC 3339 UTC (SPIRE's `entryExpiry` / `expires_at`). */
  expiresAt: 'sigil/spire-expires-at',
  /** `"true"`: the SVID is exported through an SVIDStore plugin. */
  storeSvid: 'sigil/spire-store-svid',
  /** `"true"`: additional_attributes.disable_x509_svid_prefetch. */
  disableX509SvidPrefetch: 'sigil/spire-disable-x509-svid-prefetch',
  /** `"true"`: additional_attributes.jwt_svid_include_jti. */
  jwtSvidIncludeJti: 'sigil/spire-jwt-svid-include-jti',
  /** JSON object of the fields a Node cannot declare (TTLs, DNS names, hint, admin, downstream, federatesWith). */
  nodeFields: 'sigil/spire-node-fields',
} as const

/** RFC 3339 UTC text for Unix seconds (no milliseconds). */
export function formatUnixSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}

/** Unix seconds for RFC 3339 text, or undefined when it does not parse to a whole second. */
export function parseUnixSeconds(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) && ms % 1000 === 0 ? ms / 1000 : undefined
}
