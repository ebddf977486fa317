/**
 * What the Workload API needs from the agent's SVID cache (declared here, by the consumer; STYLE.md
 * example 7). The cache keeps workload keys on the node, rotates SVIDs and JWT-SVIDs, and tells
 * subscribers when anything a caller could see has changed.
 */
import type { JsonWebKey } from 'node:crypto'

/** One identity a workload is entitled to: a registration entry with its current X509-SVID. */
export interface WorkloadIdentity {
  /** Registration entry ID; stable across rotations. */
  readonly entryId: string
  /** `spiffe://td/path` of the SVID. */
  readonly spiffeId: string
  /** Operator hint (≤ 1024 bytes), `''` when none. */
  readonly hint: string
  /** DER certificates, leaf first, then any intermediates (never the root). */
  readonly certChainDer: readonly Buffer[]
  /** Unencrypted PKCS#8 DER private key of the leaf; generated on this node and never sent elsewhere. */
  readonly privateKeyPkcs8Der: Buffer
  /** Trust domain names (`example.org`, no scheme) whose bundles this entry federates with. */
  readonly federatesWith: readonly string[]
}

/** One JWT signing key of a trust domain, as published in its bundle. */
export interface JwtAuthority {
  /** Key ID, sent as the JWK's `kid`; required by every SPIFFE client. */
  readonly keyId: string
  /** The public key as a JWK (only its public members are ever sent). */
  readonly publicKeyJwk: JsonWebKey
}

/** The trust bundle of one trust domain. */
export interface TrustBundle {
  /** Trust domain name (`example.org`, no scheme). */
  readonly trustDomain: string
  /** DER X.509 authorities (roots). */
  readonly x509AuthoritiesDer: readonly Buffer[]
  /** JWT-SVID signing keys. */
  readonly jwtAuthorities: readonly JwtAuthority[]
}

/** A minted (or cached) JWT-SVID. */
export interface JwtSvidToken {
  /** Compact JWS. */
  readonly token: string
  /** `exp` in milliseconds since the epoch. */
  readonly expiresAtMs: number
}

/** The outcome of a successful JWT-SVID validation. */
export interface ValidatedJwtSvid {
  /** The token's `sub`. */
  readonly spiffeId: string
  /** Every claim of the token (JSON values). */
  readonly claims: Readonly<Record<string, unknown>>
}

/**
 * The agent's view of identities and bundles. Implementations: the SVID cache (agent/svid) and
 * `StaticIdentitySource` (tests, bench).
 */
export interface IdentitySource {
  /**
   * Identities whose entry selectors are all in `selectors` (the caller's attested set), default
   * identity first (oldest entry first, ties by entry ID). Entries whose SVID is not minted yet are
   * left out until it is, and subscribers are told when it arrives.
   */
  identitiesFor(selectors: ReadonlySet<string>): readonly WorkloadIdentity[]
  /** The bundle of the agent's own trust domain, or `undefined` before the first sync. */
  localBundle(): TrustBundle | undefined
  /** The known bundles of the given foreign trust domains; unknown ones are left out, never an error. */
  federatedBundles(trustDomains: readonly string[]): readonly TrustBundle[]
  /**
   * Calls `listener` after any change that may alter what a caller with `selectors` sees (SVID
   * rotation, entries added or removed, bundle or federated bundle changes). Spurious calls are
   * allowed (the Workload API suppresses identical messages). Returns the unsubscribe function.
   */
  subscribe(selectors: ReadonlySet<string>, listener: () => void): () => void
  /**
   * A JWT-SVID for `identity` with exactly `audience` (non-empty), from the cache keyed by
   * (SPIFFE ID, sorted audiences) while more than half its lifetime remains, else newly minted.
   * Rejects when minting fails (the Workload API answers UNAVAILABLE).
   */
  fetchJwtSvid(identity: WorkloadIdentity, audience: readonly string[]): Promise<JwtSvidToken>
  /**
   * Validates `token` for `audience` against the JWT authorities of the local and federated bundles
   * (engine/ca validateJwtSvid). Rejects on any failure (the Workload API answers INVALID_ARGUMENT).
   */
  validateJwtSvid(token: string, audience: string): Promise<ValidatedJwtSvid>
}
