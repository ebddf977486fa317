/**
 * Fetching a foreign bundle from its SPIFFE bundle endpoint (spiffe-reference §4.2–4.4). The
 * `https_spiffe` profile authenticates the endpoint as an X509-SVID of exactly the configured SPIFFE
 * ID against the authorities of that ID's trust domain; `https_web` uses Web PKI (system roots plus
 * optional extra roots) with host name checks. Redirects to other https URLs are followed with the
 * same checks; the body must be a valid SPIFFE bundle.
 */
import { request, type RequestOptions } from 'node:https'
import { isIP } from 'node:net'
import { rootCertificates, type TLSSocket } from 'node:tls'
import { peerChain } from '../api/tls-listener.js'
import { parseBundleJson, type TrustBundle, type X509Authority } from '../ca/bundle.js'
import { verifyX509Svid } from '../ca/verify-x509-svid.js'
import { parseEndpointUrl } from '../core/endpoint-url.js'
import { EngineError, isEngineError } from '../core/errors.js'
import { parseSpiffeId } from '../core/spiffe-id.js'
import { bundleDigest } from './relationships.js'

/** Where and how a foreign trust domain's bundle is fetched (one relationship). */
export interface BundleEndpointTarget {
  /** The trust domain the fetched bundle is bound to (never inferred from the URL). */
  readonly trustDomain: string
  readonly url: string
  readonly profile: 'https_spiffe' | 'https_web'
  /** https_spiffe: the SPIFFE ID the endpoint must present. */
  readonly endpointSpiffeId: string
}

export interface FetchBundleOptions {
  /** https_spiffe: X.509 authorities of the endpoint SPIFFE ID's trust domain. */
  readonly endpointAuthorities?: readonly X509Authority[]
  /** https_web: PEM roots trusted beside the system's. */
  readonly webRootsPem?: string
  /** Time of the SVID validity check (the injected clock). */
  readonly nowMs: number
  /** Whole request, default 10 s. */
  readonly timeoutMs?: number
}

export interface FetchedBundle {
  readonly bundle: TrustBundle
  /** The body as served. */
  readonly json: string
  /** SHA-256 (hex) of the bundle's content (bundleDigest). */
  readonly digest: string
}

const MAX_BODY = 4 * 1024 * 1024
const MAX_REDIRECTS = 3
const DEFAULT_TIMEOUT_MS = 10_000

function fetchError(target: BundleEndpointTarget, reason: string, detail: string, cause?: unknown) {
  return new EngineError(
    'ERR_FEDERATION_FETCH',
    `cannot fetch the bundle of ${target.trustDomain} from ${target.url}: ${detail}`,
    { cause, data: { reason, trustDomain: target.trustDomain, url: target.url } },
  )
}

/** Checks the endpoint's certificate chain per profile; throws a fetch error when it fails. */
async function authenticate(
  socket: TLSSocket,
  target: BundleEndpointTarget,
  options: FetchBundleOptions,
): Promise<void> {
  if (target.profile === 'https_web') return // node:tls verified chain and host name already
  const endpointTd = parseSpiffeId(target.endpointSpiffeId)
  if (!endpointTd.ok) throw fetchError(target, 'config', 'invalid endpoint SPIFFE ID')
  const authorities = options.endpointAuthorities ?? []
  if (authorities.length === 0)
    throw fetchError(
      target,
      'no-bootstrap-bundle',
      `no bundle of ${endpointTd.value.trustDomain} to authenticate the endpoint (pin one in spec.bundle)`,
    )
  let verified
  try {
    verified = await verifyX509Svid(
      peerChain(socket),
      (td) => (td === endpointTd.value.trustDomain ? authorities : undefined),
      options.nowMs,
    )
  } catch (err) {
    const reason = isEngineError(err) ? String(err.data['reason']) : 'svid-invalid'
    throw fetchError(target, 'endpoint-svid', `the endpoint's X509-SVID did not verify (${reason})`, err)
  }
  if (verified.spiffeId !== target.endpointSpiffeId)
    throw fetchError(
      target,
      'endpoint-id-mismatch',
      `the endpoint presented ${verified.spiffeId}, not ${target.endpointSpiffeId}`,
    )
}

function get(url: URL, target: BundleEndpointTarget, options: FetchBundleOptions) {
  const web = target.profile === 'https_web'
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const req: RequestOptions = {
    method: 'GET',
    agent: false,
    headers: { accept: 'application/json' },
    minVersion: 'TLSv1.2',
    ...(isIP(host) === 0 ? { servername: host } : {}),
    // https_spiffe: SPIFFE authentication replaces Web PKI; it runs before the body is trusted
    rejectUnauthorized: web,
    ...(web && options.webRootsPem ? { ca: [...rootCertificates, options.webRootsPem] } : {}),
    ...(web ? {} : { checkServerIdentity: () => undefined }),
  }
  return new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
    const r = request(url, req, (res) => {
      authenticate(res.socket as TLSSocket, target, options).then(
        () => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > MAX_BODY)
              r.destroy(fetchError(target, 'too-large', `the body exceeds ${MAX_BODY} bytes`))
            else chunks.push(chunk)
          })
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              ...(res.headers.location ? { location: res.headers.location } : {}),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          )
          res.on('error', reject)
        },
        (err: unknown) => {
          r.destroy()
          reject(err)
        },
      )
    })
    r.setTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, () =>
      r.destroy(fetchError(target, 'timeout', 'the endpoint did not answer in time')),
    )
    r.on('error', (err: NodeJS.ErrnoException) =>
      reject(isEngineError(err) ? err : fetchError(target, 'connect', err.code ?? err.message, err)),
    )
    r.end()
  })
}

/**
 * Fetches and parses the bundle of `target.trustDomain`.
 * @throws EngineError ERR_FEDERATION_FETCH with `data.reason` (connect, timeout, endpoint-svid,
 *   endpoint-id-mismatch, no-bootstrap-bundle, http-status, redirect, too-large, bundle-invalid, config)
 */
export async function fetchBundle(
  target: BundleEndpointTarget,
  options: FetchBundleOptions,
): Promise<FetchedBundle> {
  let url = parseEndpointUrl(target.url)
  if (typeof url === 'string') throw fetchError(target, 'config', url)
  for (let hop = 0; ; hop++) {
    const res = await get(url, target, options)
    if (res.status >= 300 && res.status < 400 && res.location !== undefined) {
      if (hop >= MAX_REDIRECTS) throw fetchError(target, 'redirect', 'too many redirects')
      const next = parseEndpointUrl(new URL(res.location, url).toString())
      if (typeof next === 'string') throw fetchError(target, 'redirect', `redirect refused: ${next}`)
      url = next
      continue
    }
    if (res.status !== 200) throw fetchError(target, 'http-status', `HTTP ${res.status}`)
    let bundle: TrustBundle
    try {
      bundle = parseBundleJson(res.body, target.trustDomain)
    } catch (err) {
      const reason = isEngineError(err) ? String(err.data['reason']) : 'invalid'
      throw fetchError(target, 'bundle-invalid', `the body is not a valid SPIFFE bundle (${reason})`, err)
    }
    return { bundle, json: res.body, digest: bundleDigest(bundle) }
  }
}
