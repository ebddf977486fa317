/**
 * The SPIFFE bundle endpoint (spiffe-reference §4.2–4.5): `GET /` over HTTPS answers the trust
 * domain's bundle as SPIFFE bundle JSON with `spiffe_sequence` and `spiffe_refresh_hint`. Profile
 * `https_spiffe` presents the server's own X509-SVID (renewed at half life); `https_web` a configured
 * certificate and key, re-read when the files change. No client authentication, GET only.
 */
import { readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { SecureContextOptions } from 'node:tls'
import type { ServerSvid } from '../api/server-svid.js'
import { encodeBundleJson, type TrustBundle } from '../ca/bundle.js'
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import { listenHttp, sendHttp } from '../platform/http-listen.js'

export type BundleEndpointProfile = 'https_spiffe' | 'https_web'

export interface BundleEndpointOptions {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly profile: BundleEndpointProfile
  /** The bundle served (the CA's current one). */
  readonly bundle: () => TrustBundle
  /** `spiffe_refresh_hint` in seconds. */
  readonly refreshHintSeconds: number
  readonly clock: Clock
  readonly logger: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void }
  /** https_spiffe: the server's SVID. */
  readonly serverSvid?: ServerSvid
  /** https_web: PEM certificate chain and key files. */
  readonly webCertificate?: { readonly certFile: string; readonly keyFile: string }
}

export interface BundleEndpoint {
  readonly host: string
  readonly port: number
  readonly profile: BundleEndpointProfile
  /** Renews the SVID or re-reads the certificate files until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>
  close(): Promise<void>
}

/** How often https_web certificate files are checked for a change. */
const WEB_CERT_CHECK_MS = 60_000

function readWebCertificate(files: { certFile: string; keyFile: string }): SecureContextOptions {
  try {
    return { cert: readFileSync(files.certFile, 'utf8'), key: readFileSync(files.keyFile, 'utf8') }
  } catch (err) {
    throw new EngineError(
      'ERR_CONFIG_INVALID',
      `cannot read the bundle endpoint certificate: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: err, data: { problems: ['federation.bundleEndpoint certificate unreadable'] } },
    )
  }
}

const mtimes = (files: { certFile: string; keyFile: string }) =>
  `${statSync(files.certFile).mtimeMs}/${statSync(files.keyFile).mtimeMs}`

/** Starts the bundle endpoint; ERR_API_UNAVAILABLE when the address is taken. */
export async function startBundleEndpoint(options: BundleEndpointOptions): Promise<BundleEndpoint> {
  const { profile, serverSvid, webCertificate, clock, logger } = options
  if (profile === 'https_spiffe' && !serverSvid) throw new TypeError('https_spiffe needs the server svid')
  if (profile === 'https_web' && !webCertificate) throw new TypeError('https_web needs a certificate')
  const context = (): SecureContextOptions => {
    if (webCertificate) return readWebCertificate(webCertificate)
    const identity = (serverSvid as ServerSvid).mint()
    return { cert: identity.certChainPem, key: identity.privateKeyPem }
  }
  const server: Server = createServer({ ...context(), minVersion: 'TLSv1.2' }, (req, res) => {
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET')
      return sendHttp(res, 405, { error: 'method not allowed' })
    }
    if ((req.url ?? '').split('?')[0] !== '/') return sendHttp(res, 404, { error: 'not found' })
    const body = encodeBundleJson({ ...options.bundle(), refreshHintSeconds: options.refreshHintSeconds })
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    })
    res.end(body)
  })
  server.on('tlsClientError', (err) => logger.debug({ err: err.message }, 'bundle endpoint tls error'))
  const listening = await listenHttp(server, options.host, options.port)

  const renewLoop = async (signal: AbortSignal) => {
    let seen = webCertificate ? mtimes(webCertificate) : ''
    while (!signal.aborted) {
      const waitMs = serverSvid ? Math.max(1000, serverSvid.renewAtMs - clock.now()) : WEB_CERT_CHECK_MS
      try {
        await clock.sleep(waitMs, signal)
      } catch {
        return
      }
      try {
        if (webCertificate) {
          const now = mtimes(webCertificate)
          if (now === seen) continue
          seen = now
        }
        server.setSecureContext({ ...context(), minVersion: 'TLSv1.2' })
      } catch (err) {
        logger.warn({ err: (err as Error).message, profile }, 'bundle endpoint certificate renewal failed')
      }
    }
  }
  return {
    host: listening.host,
    port: listening.port,
    profile,
    run: renewLoop,
    close: () => listening.close(),
  }
}
