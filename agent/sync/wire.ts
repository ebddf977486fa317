/** Decoding of the agent API's wire messages (proto/agent.proto, proto-loader snake_case) into cache values. */
import type { CachedBundle, CachedEntry, SyncState } from '../svid/cache.js'

/** proto `Bundle` as proto-loader decodes it. */
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

/** proto `SyncAuthorizedEntriesResponse`. */
export interface WireSyncMessage {
  revision: number
  entries: WireEntry[]
  bundle: WireBundle | null
  federated_bundles: WireBundle[]
}

/** proto `X509Svid`. */
export interface WireX509Svid {
  spiffe_id: string
  cert_chain: Buffer[]
  expires_at_ms: number
}

/** A wire bundle as a cache bundle. */
export function decodeBundle(wire: WireBundle): CachedBundle {
  return {
    trustDomain: wire.trust_domain,
    x509AuthoritiesDer: [...(wire.x509_authorities ?? [])],
    jwtAuthorities: (wire.jwt_authorities ?? []).map((a) => ({
      kid: a.kid,
      publicKeySpkiDer: a.public_key,
      expiresAtMs: Number(a.expires_at_ms ?? 0),
    })),
    sequence: Number(wire.sequence ?? 0),
  }
}

/** A wire entry as a cache entry. */
export function decodeEntry(wire: WireEntry): CachedEntry {
  return {
    id: wire.id,
    spiffeId: wire.spiffe_id,
    parentId: wire.parent_id,
    selectors: [...(wire.selectors ?? [])],
    x509SvidTtlSeconds: wire.x509_svid_ttl_seconds ?? 0,
    jwtSvidTtlSeconds: wire.jwt_svid_ttl_seconds ?? 0,
    dnsNames: [...(wire.dns_names ?? [])],
    federatesWith: [...(wire.federates_with ?? [])],
    hint: wire.hint ?? '',
    revisionNumber: Number(wire.revision_number ?? 0),
  }
}

/** A sync message as a `SyncState`; undefined when it carries no bundle (a malformed message). */
export function decodeSyncMessage(wire: WireSyncMessage): SyncState | undefined {
  if (!wire.bundle) return undefined
  return {
    revision: Number(wire.revision ?? 0),
    entries: (wire.entries ?? []).map(decodeEntry),
    bundle: decodeBundle(wire.bundle),
    federatedBundles: (wire.federated_bundles ?? []).map(decodeBundle),
  }
}
