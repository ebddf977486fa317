/**
 * The server's own X509-SVID (`spiffe://<td>/spire/server`), minted by its CA for an in-memory key:
 * the TLS identity of the agent API and of the `https_spiffe` bundle endpoint. Renewed at half life.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { certificatePem, encodeBundlePem } from '../ca/bundle.js'
import type { CertificateAuthority } from '../ca/certificate-authority.js'
import type { Clock } from '../core/clock.js'
import { serverSpiffeId } from '../core/spiffe-id.js'
import type { TlsIdentity } from './tls-listener.js'

export const DEFAULT_SERVER_SVID_TTL_MS = 60 * 60 * 1000

/** Mints server SVIDs for one key; `renewAtMs` says when the last one reaches half life. */
export class ServerSvid {
  readonly spiffeId: string
  private readonly privateKeyPem: string
  private readonly spkiDer: Buffer
  private issuedAtMs = 0
  private expiresAtMs = 0

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly clock: Clock,
    trustDomain: string,
    private readonly ttlMs = DEFAULT_SERVER_SVID_TTL_MS,
  ) {
    this.spiffeId = serverSpiffeId(trustDomain)
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
    this.privateKeyPem = key.export({ format: 'pem', type: 'pkcs8' }) as string
    this.spkiDer = createPublicKey(key).export({ format: 'der', type: 'spki' })
  }

  /** A fresh SVID with the CA's current roots. */
  mint(): TlsIdentity {
    const svid = this.ca.signWorkloadX509SvidForKey({
      spkiDer: this.spkiDer,
      spiffeId: this.spiffeId,
      ttlMs: this.ttlMs,
    })
    this.issuedAtMs = this.clock.now()
    this.expiresAtMs = svid.notAfterMs
    return {
      certChainPem: svid.certChainDer.map(certificatePem).join(''),
      privateKeyPem: this.privateKeyPem,
      caPem: encodeBundlePem(this.ca.bundle()),
    }
  }

  /** Half life of the last minted SVID. */
  get renewAtMs(): number {
    return this.issuedAtMs + (this.expiresAtMs - this.issuedAtMs) / 2
  }

  get notAfterMs(): number {
    return this.expiresAtMs
  }
}
