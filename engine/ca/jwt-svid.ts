/**
 * JWT-SVID signing on the fast path (spiffe-reference §3.1): the protected header is encoded once
 * per key, claims are serialized in one JSON.stringify, and the JWS is signed with `crypto.sign`
 * on a cached KeyObject (`ieee-p1363` for ES*). jose stays the verifier.
 */
import { sign, type KeyObject } from 'node:crypto'
import { keyTypeInfo, type JwtAlg, type KeyType } from './key-type.js'

/** A ready JWT signer for one key. */
export interface JwtSigner {
  readonly kid: string
  readonly alg: JwtAlg
  /** base64url of the protected header `{"alg","kid","typ":"JWT"}`. */
  readonly headerB64: string
  readonly hash: string
  readonly privateKey: KeyObject
  /** When the key stops signing; token `exp` never goes past it (ms). */
  readonly notAfterMs: number
  readonly ecdsa: boolean
}

/** Prepares a signer: alg from the key type, header with `kid` and `typ: JWT`. */
export function makeJwtSigner(params: {
  kid: string
  keyType: KeyType
  privateKey: KeyObject
  notAfterMs: number
}): JwtSigner {
  const info = keyTypeInfo(params.keyType)
  const header = JSON.stringify({ alg: info.jwtAlg, kid: params.kid, typ: 'JWT' })
  return {
    kid: params.kid,
    alg: info.jwtAlg,
    headerB64: Buffer.from(header).toString('base64url'),
    hash: info.hash,
    privateKey: params.privateKey,
    notAfterMs: params.notAfterMs,
    ecdsa: info.family === 'ec',
  }
}

/** Claims of a JWT-SVID, in the order they are written. */
export interface JwtSvidClaims {
  readonly sub: string
  readonly aud: readonly string[]
  /** Seconds since the epoch. */
  readonly exp: number
  readonly iat: number
  readonly iss?: string
}

/** Signs claims into a compact JWS. */
export function signJwt(signer: JwtSigner, claims: JwtSvidClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  const signingInput = `${signer.headerB64}.${payload}`
  const signature = signer.ecdsa
    ? sign(signer.hash, Buffer.from(signingInput), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' })
    : sign(signer.hash, Buffer.from(signingInput), signer.privateKey)
  return `${signingInput}.${signature.toString('base64url')}`
}

const KID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A 32-character `kid` from `[A-Za-z0-9]` (SPIRE's form), unbiased by rejection sampling. */
export function makeKid(randomBytes: (n: number) => Uint8Array): string {
  let kid = ''
  while (kid.length < 32) {
    for (const b of randomBytes(48)) {
      if (b < 248 && kid.length < 32) kid += KID_ALPHABET[b % 62]
    }
  }
  return kid
}
