/** Conversions from engine values to the agent API's wire messages (proto/agent.proto, snake_case). */
import type { TrustBundle } from '../ca/bundle.js'
import type { MintedX509Svid } from '../ca/certificate-authority.js'
import type { LiveEntry } from '../plan/types.js'

/** proto `Bundle`. */
export interface WireBundle {
  trust_domain: string
  x509_authorities: Buffer[]
  jwt_authorities: { kid: string; public_key: Buffer; expires_at_ms: number }[]
  sequence: number
  refresh_hint_seconds: number
}

/** proto `Entry`. */
export interface WireEntry {
  id: string
  spiffe_id: string
  parent_id: string
  selectors: string[]
  x509_svid_ttl_seconds: number
  jwt_svid_ttl_seconds: number
  dns_names: string[]
  federates_with: string[]
  hint: string
  admin: boolean
  downstream: boolean
  revision_number: number
}

/** proto `X509Svid`. */
export interface WireX509Svid {
  spiffe_id: string
  cert_chain: Buffer[]
  expires_at_ms: number
}

/** A trust bundle as a proto `Bundle`. */
export function wireBundle(bundle: TrustBundle): WireBundle {
  return {
    trust_domain: bundle.trustDomain,
    x509_authorities: bundle.x509Authorities.map((a) => a.certDer),
    jwt_authorities: bundle.jwtAuthorities.map((a) => ({
      kid: a.kid,
      public_key: a.publicKeySpkiDer,
      expires_at_ms: a.expiresAtMs ?? 0,
    })),
    sequence: bundle.sequence,
    refresh_hint_seconds: bundle.refreshHintSeconds ?? 0,
  }
}

/** A live entry as a proto `Entry` (Sigil-only fields such as roles and protect stay on the server). */
export function wireEntry(entry: LiveEntry): WireEntry {
  return {
    id: entry.id,
    spiffe_id: entry.spiffeId,
    parent_id: entry.parentId,
    selectors: [...entry.selectors],
    x509_svid_ttl_seconds: entry.x509SvidTtlSeconds,
    jwt_svid_ttl_seconds: entry.jwtSvidTtlSeconds,
    dns_names: [...entry.dnsNames],
    federates_with: [...entry.federatesWith],
    hint: entry.hint,
    admin: entry.admin,
    downstream: entry.downstream,
    revision_number: entry.revisionNumber,
  }
}

/** A minted SVID as a proto `X509Svid`. */
export function wireX509Svid(spiffeId: string, svid: MintedX509Svid): WireX509Svid {
  return { spiffe_id: spiffeId, cert_chain: svid.certChainDer, expires_at_ms: svid.notAfterMs }
}
