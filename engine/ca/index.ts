/**
 * Sigil's CA: the root of trust of a trust domain. Public API (everything else in engine/ca is internal):
 *
 * CA facade (the server holds one per trust domain)
 * - `createCertificateAuthority(deps: CertificateAuthorityDeps): Promise<CertificateAuthority>`
 *   deps: `{ keys: KeyManager; journal: JournalStore; clock: Clock; random: Random; trustDomain: string;
 *   caTtlMs?: number (default 24h); keyType?: KeyType; jwtKeyType?: KeyType; upstream?: UpstreamAuthority;
 *   leafSubject?: 'default' | 'empty'; jwtIssuer?: string; refreshHintSeconds?: number; onAudit? }`
 * - `ca.rotate(): Promise<CaAuditRecord[]>` — one rotator tick (call at start, then every 10 s)
 * - `ca.prepare(kind: 'x509' | 'jwt', actor)`, `ca.activate(kind, actor)` — manual, audited
 * - `ca.signWorkloadX509Svid({ csrDer, spiffeId, dnsNames?, ttlMs }): MintedX509Svid`
 *   → `{ certChainDer: Buffer[] (leaf first); notAfterMs; serial (hex) }` (sync)
 * - `ca.signWorkloadX509SvidForKey({ spkiDer, spiffeId, dnsNames?, ttlMs }): MintedX509Svid` (sync)
 * - `ca.signJwtSvid({ spiffeId, audience: string[], ttlMs }): MintedJwtSvid` → `{ token, kid, issuedAtMs, expiresAtMs }` (sync)
 * - `ca.bundle(): TrustBundle` → `{ trustDomain, x509Authorities: {certDer}[], jwtAuthorities: {kid, publicKeySpkiDer}[], sequence, refreshHintSeconds }`
 * - `ca.journal(): CaJournal` — slots, published authorities, audit trail
 *
 * Keys and journal
 * - `createDiskKeyManager(keysDir, source?)`, `createMemoryKeyManager(source?)`, `systemKeySource`, `KeySource`
 * - `createDiskJournalStore(path)`, `createMemoryJournalStore()`
 * - `loadUpstreamAuthority({ certFile, keyFile, bundleFile? })`, `upstreamFromPem(...)`
 *
 * Workload side
 * - `createCsr(spiffeId, keyType?, { privateKey? }?)` → `{ csrDer, privateKeyPkcs8Der }`
 * - `verifyCsr(csrDer)` → `{ spkiDer, publicKey, keyType }`
 * - `parseCertChainDer(der): Buffer[]`, `concatCertChainDer(certs)`
 * - `verifyX509Svid(chainDer, bundles: (td) => X509Authority[] | undefined, nowMs)` → `{ spiffeId, trustDomain }`
 * - `validateJwtSvid(token, { audience, bundles: (td) => JwtAuthority[] | undefined, nowMs, leewayMs? })`
 *   → `{ spiffeId, claims }`; throws `ERR_CA_JWT_INVALID` with `data.reason: JwtSvidProblem`
 *
 * Bundles
 * - `encodeBundleJson(bundle)`, `encodeBundlePem(bundle)`, `encodeJwks(jwtAuthorities)`, `certificatePem(der)`
 * - `parseBundleJson(json, trustDomain)`, `parseBundlePem(pem, trustDomain)` — strict; `ERR_CA_BUNDLE` with `data.reason`
 * - OIDC discovery: `createOidcHandler` / `createOidcServer` in engine/api/oidc.ts
 *
 * Error codes: ERR_CA_KEY, ERR_CA_NOT_READY, ERR_CA_INVALID_CSR, ERR_CA_INVALID_REQUEST,
 * ERR_CA_SVID_CHECK (a minted or presented X509-SVID broke the SPIFFE rules), ERR_CA_BUNDLE, ERR_CA_JWT_INVALID;
 * each carries `data.reason`.
 */
export {
  createCertificateAuthority,
  type AuthorityKind,
  type CertificateAuthority,
  type CertificateAuthorityDeps,
  type MintedJwtSvid,
  type MintedX509Svid,
  type WorkloadX509SvidParams,
} from './certificate-authority.js'
export {
  certificatePem,
  encodeBundleJson,
  encodeBundlePem,
  encodeJwks,
  parseBundleJson,
  parseBundlePem,
  parseCertificatesPem,
  publicKeyFromSpki,
  type JwtAuthority,
  type TrustBundle,
  type X509Authority,
} from './bundle.js'
export { concatCertChainDer, parseCertChainDer } from './chain.js'
export { checkCaCertificate, checkIssuedX509Svid, x509SvidProblem, type X509SvidProblem } from './check.js'
export { createCsr, verifyCsr, type CsrAndKey, type VerifiedCsr } from './csr.js'
export { createDiskKeyManager } from './disk-key-manager.js'
export {
  createDiskJournalStore,
  createMemoryJournalStore,
  type CaAuditRecord,
  type CaJournal,
  type JournalStore,
} from './journal.js'
export {
  createMemoryKeyManager,
  systemKeySource,
  type KeyManager,
  type KeySource,
  type ManagedKey,
} from './key-manager.js'
export { DEFAULT_KEY_TYPE, isKeyType, KEY_TYPES, keyTypeInfo, type JwtAlg, type KeyType } from './key-type.js'
export { loadUpstreamAuthority, upstreamFromPem, type UpstreamAuthority } from './upstream.js'
export {
  validateJwtSvid,
  type JwtSvidProblem,
  type ValidatedJwtSvid,
  type ValidateJwtSvidOptions,
} from './validate-jwt-svid.js'
export { verifyX509Svid, type VerifiedX509Svid } from './verify-x509-svid.js'
