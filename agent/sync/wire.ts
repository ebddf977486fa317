/** Decoding of the agent API's wire messages (proto/agent.proto, proto-loader snake_case) into cache values. */
import type { WireBundle, WireEntry, WireX509Svid } from '../../engine/api/wire.js'
import type { CachedBundle, CachedEntry, SyncState } from '../svid/cache.js'

// the proto message shapes are declared once, next to the server that writes them
export type { WireBundle, WireEntry, WireX509Svid }

/** proto `SyncAuthorizedEntriesResponse`. */
export interface WireSyncMessage {
  revision: number
  entries: WireEntry[]
  bundle: WireBundle | null
  federated_bundles: WireBundle[]
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
