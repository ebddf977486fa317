/**
 * Access tokens (SHELL: node:crypto): JWTs signed with the server's dedicated access-token key and
 * published as a JWKS at `/oauth2/jwks`, so a resource server verifies them like any OAuth 2.0 JWT
 * (RFC 9068 shape: iss, sub, aud, scope, iat, exp, jti).
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto'
import { keyTypeFromDetails, keyTypeInfo } from '../ca/key-type.js'

/** The claims of an access token, in the order they are written. */
export interface AccessTokenClaims {
  readonly iss: string
  /** The caller's SPIFFE ID. */
  readonly sub: string
  readonly aud: string
  /** Space-separated, exactly the requested scopes. */
  readonly scope: string
  /** Seconds since the epoch. */
  readonly iat: number
  readonly exp: number
  readonly jti: string
}

/** Signs access tokens with one key and publishes its public half. */
export interface AccessTokenSigner {
  readonly kid: string
  readonly alg: string
  sign(claims: AccessTokenClaims): string
  /** `{keys:[…]}` with `kid`, `alg` and `use: sig`. */
  jwks(): { keys: Record<string, string>[] }
}

/** A signer for `privateKey` (EC P-256/P-384 or RSA), `kid` chosen by the caller. */
export function createAccessTokenSigner(params: { kid: string; privateKey: KeyObject }): AccessTokenSigner {
  const details = params.privateKey.asymmetricKeyDetails
  const keyType = details ? keyTypeFromDetails(params.privateKey.asymmetricKeyType ?? '', details) : undefined
  if (!keyType) throw new TypeError('unsupported access token key')
  const info = keyTypeInfo(keyType)
  const header = Buffer.from(JSON.stringify({ alg: info.jwtAlg, kid: params.kid, typ: 'at+jwt' })).toString(
    'base64url',
  )
  const ecdsa = info.family === 'ec'
  const jwk = {
    ...(createPublicKey(params.privateKey).export({ format: 'jwk' }) as Record<string, string>),
    kid: params.kid,
    alg: info.jwtAlg,
    use: 'sig',
  }
  return {
    kid: params.kid,
    alg: info.jwtAlg,
    sign(claims) {
      const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
      const signature = ecdsa
        ? sign(info.hash, Buffer.from(input), { key: params.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign(info.hash, Buffer.from(input), params.privateKey)
      return `${input}.${signature.toString('base64url')}`
    },
    jwks: () => ({ keys: [jwk] }),
  }
}
