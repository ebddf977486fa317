/**
 * Trust bundles: the X.509 authorities and JWT keys of one trust domain, with SPIFFE bundle JSON
 * (spiffe-reference §4.1), PEM and JWKS encoders, and strict parsers for JSON and PEM.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { EngineError } from '../core/errors.js'
import { readCertificate } from './certificate-der.js'
import { keyTypeFromDetails, keyTypeInfo } from './key-type.js'

/** A trust anchor for X509-SVIDs: one CA certificate. */
export interface X509Authority {
  readonly certDer: Buffer
}

/** A JWT-SVID signing key as published: its `kid` and DER SPKI public key. */
export interface JwtAuthority {
  readonly kid: string
  readonly publicKeySpkiDer: Buffer
  /** When the key stops signing (ms); informational. */
  readonly expiresAtMs?: number
}

/** The trust bundle of one trust domain. Bundles carry no TD name on the wire; it is kept beside them. */
export interface TrustBundle {
  readonly trustDomain: string
  readonly x509Authorities: readonly X509Authority[]
  readonly jwtAuthorities: readonly JwtAuthority[]
  /** `spiffe_sequence`: bumped on every change. */
  readonly sequence: number
  /** `spiffe_refresh_hint` in seconds. */
  readonly refreshHintSeconds?: number
}

function bundleError(reason: string, cause?: unknown): EngineError {
  return new EngineError('ERR_CA_BUNDLE', `invalid trust bundle: ${reason}`, { cause, data: { reason } })
}

const keyCache = new Map<string, KeyObject>()
const KEY_CACHE_MAX = 1024

/** The public KeyObject of a DER SPKI, cached (key import costs more than a signature check). */
export function publicKeyFromSpki(spkiDer: Uint8Array): KeyObject {
  const cacheKey = Buffer.from(spkiDer).toString('base64')
  let key = keyCache.get(cacheKey)
  if (!key) {
    key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' })
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string)
    keyCache.set(cacheKey, key)
  }
  return key
}

function publicJwk(spkiDer: Uint8Array): Record<string, string> {
  const jwk = publicKeyFromSpki(spkiDer).export({ format: 'jwk' }) as Record<string, string>
  return jwk.kty === 'EC'
    ? { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string }
    : { kty: 'RSA', n: jwk.n as string, e: jwk.e as string }
}

/** The SPIFFE bundle JSON: x509-svid keys (one `x5c`, no `kid`) first, then jwt-svid keys (with `kid`). */
export function encodeBundleJson(bundle: TrustBundle, options: { space?: number } = {}): string {
  const keys = [
    ...bundle.x509Authorities.map((a) => ({
      use: 'x509-svid',
      ...publicJwk(readCertificate(a.certDer).spkiDer),
      x5c: [a.certDer.toString('base64')],
    })),
    ...bundle.jwtAuthorities.map((a) => ({ use: 'jwt-svid', kid: a.kid, ...publicJwk(a.publicKeySpkiDer) })),
  ]
  const doc: Record<string, unknown> = { keys }
  if (bundle.refreshHintSeconds !== undefined) doc['spiffe_refresh_hint'] = bundle.refreshHintSeconds
  doc['spiffe_sequence'] = bundle.sequence
  return JSON.stringify(doc, null, options.space)
}

/** A standard JWKS of the JWT keys for OIDC discovery: `kid`, `alg`, `use: sig`, key parameters. */
export function encodeJwks(authorities: readonly JwtAuthority[]): { keys: Record<string, string>[] } {
  return {
    keys: authorities.map((a) => {
      const key = publicKeyFromSpki(a.publicKeySpkiDer)
      const type = keyTypeFromDetails(key.asymmetricKeyType, key.asymmetricKeyDetails)
      const alg = type ? keyTypeInfo(type).jwtAlg : key.asymmetricKeyType === 'ec' ? 'ES512' : 'RS256'
      return { ...publicJwk(a.publicKeySpkiDer), kid: a.kid, alg, use: 'sig' }
    }),
  }
}

/** PEM encoding of one DER certificate. */
export function certificatePem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

/** The X.509 authorities as concatenated PEM certificates. */
export function encodeBundlePem(bundle: TrustBundle): string {
  return bundle.x509Authorities.map((a) => certificatePem(a.certDer)).join('')
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)-----END \1-----/g

/** DER certificates from PEM text; any non-certificate block or stray text is an error. */
export function parseCertificatesPem(pem: string): Buffer[] {
  const out: Buffer[] = []
  let rest = pem
  for (const m of pem.matchAll(PEM_BLOCK)) {
    if (m[1] !== 'CERTIFICATE') throw bundleError('pem-not-certificate')
    const der = Buffer.from((m[2] as string).replace(/\s+/g, ''), 'base64')
    try {
      readCertificate(der)
    } catch (err) {
      throw bundleError('pem-certificate-invalid', err)
    }
    out.push(der)
    rest = rest.replace(m[0], '')
  }
  if (rest.trim() !== '') throw bundleError('pem-stray-text')
  return out
}

/** A bundle from PEM certificates (X.509 authorities only); at least one certificate is required. */
export function parseBundlePem(pem: string, trustDomain: string): TrustBundle {
  const certs = parseCertificatesPem(pem)
  if (certs.length === 0) throw bundleError('pem-empty')
  return {
    trustDomain,
    x509Authorities: certs.map((certDer) => ({ certDer })),
    jwtAuthorities: [],
    sequence: 0,
  }
}

const KNOWN_KTY = new Set(['EC', 'RSA', 'OKP'])
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

function jwkToSpki(jwk: Record<string, unknown>, reason: string): Buffer {
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ format: 'der', type: 'spki' })
  } catch (err) {
    throw bundleError(reason, err)
  }
}

function parseX509Key(jwk: Record<string, unknown>): X509Authority {
  if ('kid' in jwk) throw bundleError('x509-svid-kid-set')
  const x5c = jwk['x5c']
  if (!Array.isArray(x5c) || x5c.length !== 1 || typeof x5c[0] !== 'string') throw bundleError('x5c-count')
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(x5c[0])) throw bundleError('x5c-invalid')
  const certDer = Buffer.from(x5c[0], 'base64')
  let spki: Buffer
  try {
    spki = readCertificate(certDer).spkiDer
  } catch (err) {
    throw bundleError('x5c-invalid', err)
  }
  const { x5c: _x5c, use: _use, ...keyParams } = jwk
  if (Buffer.compare(jwkToSpki(keyParams, 'jwk-invalid'), spki) !== 0) throw bundleError('x5c-key-mismatch')
  return { certDer }
}

/** Parses SPIFFE bundle JSON strictly (§4.1, go-spiffe's rules); `ERR_CA_BUNDLE` with `data.reason` otherwise. */
export function parseBundleJson(json: string, trustDomain: string): TrustBundle {
  let doc: unknown
  try {
    doc = JSON.parse(json)
  } catch (err) {
    throw bundleError('json', err)
  }
  if (!isObject(doc)) throw bundleError('not-an-object')
  const keys = doc['keys']
  if (!Array.isArray(keys)) throw bundleError('keys-missing')
  const sequence = doc['spiffe_sequence']
  const hint = doc['spiffe_refresh_hint']
  if (sequence !== undefined && !isCount(sequence)) throw bundleError('sequence-invalid')
  if (hint !== undefined && !isCount(hint)) throw bundleError('refresh-hint-invalid')
  const x509Authorities: X509Authority[] = []
  const jwtAuthorities: JwtAuthority[] = []
  for (const jwk of keys) {
    if (!isObject(jwk)) throw bundleError('key-not-an-object')
    if (typeof jwk['kty'] !== 'string') throw bundleError('kty-missing')
    if (!KNOWN_KTY.has(jwk['kty'])) continue
    if (jwk['use'] === 'x509-svid') x509Authorities.push(parseX509Key(jwk))
    else if (jwk['use'] === 'jwt-svid') {
      const kid = jwk['kid']
      if (typeof kid !== 'string' || kid === '') throw bundleError('kid-missing')
      if (jwtAuthorities.some((a) => a.kid === kid)) throw bundleError('kid-duplicate')
      const { kid: _kid, use: _use, ...keyParams } = jwk
      jwtAuthorities.push({ kid, publicKeySpkiDer: jwkToSpki(keyParams, 'jwk-invalid') })
    }
    // a missing or unknown `use` makes the key irrelevant to SPIFFE: ignored, as the spec says
  }
  return {
    trustDomain,
    x509Authorities,
    jwtAuthorities,
    sequence: (sequence as number | undefined) ?? 0,
    ...(hint === undefined ? {} : { refreshHintSeconds: hint as number }),
  }
}
