/** The CA facade's public contract: what it needs and what it returns (implemented in certificate-authority.ts). */
import type { Clock } from '../core/clock.js'
import type { Random } from '../core/random.js'
import type { TrustBundle } from './bundle.js'
import type { CaAuditRecord, CaJournal, JournalStore } from './journal.js'
import type { KeyManager } from './key-manager.js'
import type { KeyType } from './key-type.js'
import type { LeafSubjectMode } from './template.js'
import type { UpstreamAuthority } from './upstream.js'

/** Everything the CA needs; no defaults for clock, randomness or storage. */
export interface CertificateAuthorityDeps {
  readonly keys: KeyManager
  readonly journal: JournalStore
  readonly clock: Clock
  readonly random: Random
  readonly trustDomain: string
  /** Lifetime of each X.509 CA and JWT signing key; default 24 h. */
  readonly caTtlMs?: number
  /** Type of new CA keys; default ec-p256. */
  readonly keyType?: KeyType
  /** Type of new JWT keys; default the CA key type. */
  readonly jwtKeyType?: KeyType
  readonly upstream?: UpstreamAuthority
  readonly leafSubject?: LeafSubjectMode
  /** `iss` claim of JWT-SVIDs (needed for OIDC federation); absent by default. */
  readonly jwtIssuer?: string
  /** `spiffe_refresh_hint` of the bundle, seconds; default 300. */
  readonly refreshHintSeconds?: number
  /** Called with every audit record (prepare, activate, prune). */
  readonly onAudit?: (record: CaAuditRecord) => void
}

/** Request for an X509-SVID; the SPIFFE ID, DNS names and TTL come from the caller's entry, never the CSR. */
export interface WorkloadX509SvidParams {
  readonly spiffeId: string
  readonly dnsNames?: readonly string[]
  readonly ttlMs: number
}

/** A minted X509-SVID: DER chain leaf first (plus intermediates in upstream mode). */
export interface MintedX509Svid {
  readonly certChainDer: Buffer[]
  readonly notAfterMs: number
  /** Lowercase hex of the leaf serial number (no sign-padding byte). */
  readonly serial: string
}

/** A minted JWT-SVID. */
export interface MintedJwtSvid {
  readonly token: string
  readonly kid: string
  readonly issuedAtMs: number
  readonly expiresAtMs: number
}

/** Which authority a manual operation is about. */
export type AuthorityKind = 'x509' | 'jwt'

/** The CA the server holds. Signing methods are synchronous: keys and templates are cached. */
export interface CertificateAuthority {
  readonly trustDomain: string
  /** One rotator tick (SPIRE runs it every 10 s): prepare, activate, prune as the schedule says. */
  rotate(): Promise<readonly CaAuditRecord[]>
  /** Manually prepares the next authority (replacing a prepared one); audited with `actor`. */
  prepare(kind: AuthorityKind, actor: string): Promise<CaAuditRecord>
  /** Manually activates the prepared authority; `ERR_CA_NOT_READY` when none is prepared. */
  activate(kind: AuthorityKind, actor: string): Promise<CaAuditRecord>
  /** Verifies the CSR, takes only its public key, and mints an X509-SVID for the caller's entry. */
  signWorkloadX509Svid(params: WorkloadX509SvidParams & { readonly csrDer: Uint8Array }): MintedX509Svid
  /** Mints an X509-SVID for an already verified DER SPKI public key. */
  signWorkloadX509SvidForKey(
    params: WorkloadX509SvidParams & { readonly spkiDer: Uint8Array },
  ): MintedX509Svid
  /** Mints a JWT-SVID; `exp` is capped by the signing key's expiry. */
  signJwtSvid(params: {
    readonly spiffeId: string
    readonly audience: readonly string[]
    readonly ttlMs: number
  }): MintedJwtSvid
  /** The current trust bundle: published X.509 authorities, JWT keys, sequence. */
  bundle(): TrustBundle
  /** A copy of the journal (slots, bundle, audit) for display. */
  journal(): CaJournal
}
