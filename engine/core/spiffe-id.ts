/**
 * SPIFFE IDs, parsed exactly like go-spiffe's strict parser (spiffe-reference §1): byte scanning,
 * lowercase `spiffe://` prefix, trust domain `[a-z0-9._-]`, path segments `[A-Za-z0-9._-]`, no dot
 * segments, no empty segments, no trailing slash, no percent-encoding.
 */

/** A parsed SPIFFE ID. `path` is `''` for a trust-domain ID, else starts with `/`. */
export interface SpiffeId {
  readonly trustDomain: string
  readonly path: string
}

/** Why a string is not a SPIFFE ID (stable, lowercase; mirrors go-spiffe's messages). */
export type SpiffeIdProblem =
  | 'scheme is missing or invalid'
  | 'trust domain is missing'
  | 'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores'
  | 'trust domain is longer than 255 bytes'
  | 'path must have a leading slash'
  | 'path cannot have a trailing slash'
  | 'path cannot contain empty segments'
  | 'path cannot contain dot segments'
  | 'path segment characters are limited to letters, numbers, dots, dashes, and underscores'
  | 'spiffe id is longer than 2048 bytes'

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: SpiffeIdProblem }

const SCHEME = 'spiffe://'
const MAX_TRUST_DOMAIN_BYTES = 255
const MAX_ID_BYTES = 2048

function isTrustDomainChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x5f
}

function isPathChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || isTrustDomainChar(c)
}

/** Checks a trust domain name such as `example.org` (no scheme). */
export function parseTrustDomain(name: string): ParseResult<string> {
  if (name.length === 0) return { ok: false, reason: 'trust domain is missing' }
  for (let i = 0; i < name.length; i++) {
    if (!isTrustDomainChar(name.charCodeAt(i))) {
      return {
        ok: false,
        reason:
          'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
      }
    }
  }
  if (name.length > MAX_TRUST_DOMAIN_BYTES)
    return { ok: false, reason: 'trust domain is longer than 255 bytes' }
  return { ok: true, value: name }
}

/** Checks a SPIFFE ID path (`''` or `/a/b`). */
export function parsePath(path: string): ParseResult<string> {
  if (path === '') return { ok: true, value: path }
  if (path.charCodeAt(0) !== 0x2f) return { ok: false, reason: 'path must have a leading slash' }
  let segmentStart = 1
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f
    if (c !== 0x2f) {
      if (!isPathChar(c)) {
        return {
          ok: false,
          reason: 'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
        }
      }
      continue
    }
    const segment = path.slice(segmentStart, i)
    if (segment.length === 0) {
      return {
        ok: false,
        reason:
          i === path.length ? 'path cannot have a trailing slash' : 'path cannot contain empty segments',
      }
    }
    if (segment === '.' || segment === '..') return { ok: false, reason: 'path cannot contain dot segments' }
    segmentStart = i + 1
  }
  return { ok: true, value: path }
}

/** Parses `spiffe://<trust-domain>[/path]` strictly. */
export function parseSpiffeId(raw: string): ParseResult<SpiffeId> {
  if (!raw.startsWith(SCHEME)) return { ok: false, reason: 'scheme is missing or invalid' }
  const rest = raw.slice(SCHEME.length)
  const slash = rest.indexOf('/')
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash)
  const path = slash === -1 ? '' : rest.slice(slash)
  const td = parseTrustDomain(trustDomain)
  if (!td.ok) return td
  const p = parsePath(path)
  if (!p.ok) return p
  // every accepted character is ASCII, so length in UTF-16 units equals length in bytes
  if (raw.length > MAX_ID_BYTES) return { ok: false, reason: 'spiffe id is longer than 2048 bytes' }
  return { ok: true, value: { trustDomain, path } }
}

/** The canonical string form, `spiffe://td/path`. */
export function formatSpiffeId(id: SpiffeId): string {
  return `${SCHEME}${id.trustDomain}${id.path}`
}

/** The trust-domain ID `spiffe://td` (used as Workload API map keys and the CA URI SAN). */
export function trustDomainId(trustDomain: string): string {
  return `${SCHEME}${trustDomain}`
}

/** Accepts `example.org` or `spiffe://example.org[/path]` and returns the trust domain (go-spiffe `TrustDomainFromString`). */
export function trustDomainFromString(s: string): ParseResult<string> {
  if (s.includes(':/')) {
    const id = parseSpiffeId(s)
    return id.ok ? { ok: true, value: id.value.trustDomain } : id
  }
  return parseTrustDomain(s)
}

/** True for `/spire` and anything under `/spire/` (SPIRE's reserved namespace). */
export function isReservedPath(path: string): boolean {
  return path === '/spire' || path.startsWith('/spire/')
}

/** The SPIFFE ID of the server: `spiffe://td/spire/server`. */
export function serverSpiffeId(trustDomain: string): string {
  return `${SCHEME}${trustDomain}/spire/server`
}

/** Agent IDs live under `/spire/agent/<attestor>/...`. */
export function isAgentPath(path: string): boolean {
  return path.startsWith('/spire/agent/') && path.split('/').length >= 5
}
