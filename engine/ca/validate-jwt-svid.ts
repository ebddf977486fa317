/**
 * JWT-SVID validation in the order of spiffe-reference §3.2: alg allow-list, typ, kid, sub, the
 * bundle of sub's trust domain, signature (jose), aud, then exp/nbf/iat with a small leeway.
 * Used by the agent's ValidateJWTSVID and the OAuth token endpoint.
 */
import { compactVerify } from 'jose'
import { EngineError } from '../core/errors.js'
import { parseSpiffeId } from '../core/spiffe-id.js'
import { publicKeyFromSpki, type JwtAuthority } from './bundle.js'

/** Why a JWT-SVID was rejected: the stable `data.reason` of `ERR_CA_JWT_INVALID`. */
export type JwtSvidProblem =
  | 'malformed'
  | 'alg-not-allowed'
  | 'typ-invalid'
  | 'kid-missing'
  | 'sub-missing'
  | 'sub-invalid'
  | 'exp-missing'
  | 'bundle-not-found'
  | 'key-not-found'
  | 'signature-invalid'
  | 'aud-missing'
  | 'aud-mismatch'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'

/** Options of `validateJwtSvid`. */
export interface ValidateJwtSvidOptions {
  /** The validator's own audience; the token's `aud` must contain it. */
  readonly audience: string
  /** JWT authorities of a trust domain, or `undefined` when no bundle is known for it. */
  readonly bundles: (trustDomain: string) => readonly JwtAuthority[] | undefined
  readonly nowMs: number
  /** Clock skew allowed for exp/nbf/iat; default 60 s (go-jose's default leeway). */
  readonly leewayMs?: number
}

/** The validated identity and all claims. */
export interface ValidatedJwtSvid {
  readonly spiffeId: string
  readonly claims: Record<string, unknown>
}

const ALLOWED_ALGS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
])
const DEFAULT_LEEWAY_MS = 60_000

function reject(reason: JwtSvidProblem, cause?: unknown): EngineError {
  return new EngineError('ERR_CA_JWT_INVALID', `invalid jwt-svid: ${reason}`, { cause, data: { reason } })
}

function decodeJson(part: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw reject('malformed')
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch (err) {
    throw reject('malformed', err)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw reject('malformed')
  return value as Record<string, unknown>
}

const isSeconds = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/**
 * Validates a compact JWT-SVID and returns its SPIFFE ID and claims; throws `ERR_CA_JWT_INVALID`
 * with `data.reason` (a `JwtSvidProblem`) on the first failed check.
 * @example
 * const { spiffeId } = await validateJwtSvid(token, { audience: 'api', bundles: (td) => map.get(td), nowMs })
 */
export async function validateJwtSvid(
  token: string,
  options: ValidateJwtSvidOptions,
): Promise<ValidatedJwtSvid> {
  const parts = token.split('.')
  if (parts.length !== 3) throw reject('malformed')
  const header = decodeJson(parts[0] as string)
  if (typeof header['alg'] !== 'string' || !ALLOWED_ALGS.has(header['alg'])) throw reject('alg-not-allowed')
  if (header['typ'] !== undefined && header['typ'] !== 'JWT' && header['typ'] !== 'JOSE')
    throw reject('typ-invalid')
  if (typeof header['kid'] !== 'string' || header['kid'] === '') throw reject('kid-missing')
  const unverified = decodeJson(parts[1] as string)
  if (typeof unverified['sub'] !== 'string') throw reject('sub-missing')
  const id = parseSpiffeId(unverified['sub'])
  if (!id.ok) throw reject('sub-invalid')
  if (unverified['exp'] === undefined) throw reject('exp-missing')
  const authorities = options.bundles(id.value.trustDomain)
  if (authorities === undefined) throw reject('bundle-not-found')
  const authority = authorities.find((a) => a.kid === header['kid'])
  if (!authority) throw reject('key-not-found')
  let claims: Record<string, unknown>
  try {
    const verified = await compactVerify(token, publicKeyFromSpki(authority.publicKeySpkiDer), {
      algorithms: [header['alg']],
    })
    claims = JSON.parse(Buffer.from(verified.payload).toString('utf8')) as Record<string, unknown>
  } catch (err) {
    throw reject('signature-invalid', err)
  }
  checkClaims(claims, options)
  return { spiffeId: claims['sub'] as string, claims }
}

function checkClaims(claims: Record<string, unknown>, options: ValidateJwtSvidOptions): void {
  const aud = claims['aud']
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined
  if (!audiences || audiences.length === 0) throw reject('aud-missing')
  if (!audiences.includes(options.audience)) throw reject('aud-mismatch')
  const leewaySeconds = (options.leewayMs ?? DEFAULT_LEEWAY_MS) / 1000
  const nowSeconds = options.nowMs / 1000
  if (!isSeconds(claims['exp'])) throw reject('exp-missing')
  if (nowSeconds > claims['exp'] + leewaySeconds) throw reject('expired')
  if (
    claims['nbf'] !== undefined &&
    (!isSeconds(claims['nbf']) || nowSeconds < claims['nbf'] - leewaySeconds)
  )
    throw reject('not-yet-valid')
  if (
    claims['iat'] !== undefined &&
    (!isSeconds(claims['iat']) || nowSeconds < claims['iat'] - leewaySeconds)
  )
    throw reject('issued-in-future')
}
