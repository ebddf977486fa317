/** Real bundle endpoints on loopback for the federation tests: a Sigil endpoint and a raw HTTPS server. */
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { createServer, type Server, type ServerOptions } from 'node:https'
import type { AddressInfo } from 'node:net'
import { ServerSvid } from '../../../engine/api/server-svid.js'
import { certificatePem } from '../../../engine/ca/bundle.js'
import type { CertificateAuthority } from '../../../engine/ca/certificate-authority.js'
import type { Clock } from '../../../engine/core/clock.js'
import { startBundleEndpoint, type BundleEndpoint } from '../../../engine/federation/bundle-endpoint.js'

export const quietLogger = { info() {}, warn() {}, debug() {} }

/** A Sigil https_spiffe bundle endpoint serving `ca`'s bundle. */
export function spiffeEndpoint(
  ca: CertificateAuthority,
  clock: Clock,
  refreshHintSeconds = 300,
): Promise<BundleEndpoint> {
  return startBundleEndpoint({
    host: '127.0.0.1',
    port: 0,
    profile: 'https_spiffe',
    bundle: () => ca.bundle(),
    refreshHintSeconds,
    clock,
    logger: quietLogger,
    serverSvid: new ServerSvid(ca, clock, ca.trustDomain),
  })
}

/** A certificate for `localhost` and 127.0.0.1 issued by `ca` (a Web PKI stand-in), PEM. */
export function webCertificate(ca: CertificateAuthority): { cert: string; key: string } {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
  const svid = ca.signWorkloadX509SvidForKey({
    spkiDer: createPublicKey(key).export({ format: 'der', type: 'spki' }),
    spiffeId: `spiffe://${ca.trustDomain}/bundle-endpoint`,
    dnsNames: ['localhost'],
    ttlMs: 3_600_000,
  })
  return {
    cert: svid.certChainDer.map(certificatePem).join(''),
    key: key.export({ format: 'pem', type: 'pkcs8' }) as string,
  }
}

/** What a raw HTTPS server answers: a status with headers and body, or nothing at all. */
export type RawAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hang'

/** A raw HTTPS server answering every request with `handler`'s status, headers and body. */
export async function rawHttps(
  tls: ServerOptions,
  handler: (path: string) => RawAnswer,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(tls, (req, res) => {
    const answer = handler(req.url ?? '/')
    if (answer === 'hang') return
    res.writeHead(answer.status, answer.headers ?? {})
    res.end(answer.body ?? '')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
