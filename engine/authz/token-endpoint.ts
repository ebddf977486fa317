/**
 * `POST /oauth2/token` (SHELL): RFC 6749 §4.4 client credentials authenticated with an RFC 7523
 * client assertion (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`)
 * that is the caller's JWT-SVID with the token endpoint URL as audience. The access token carries
 * exactly the requested scopes, all of which the caller's roles must grant (`invalid_scope`
 * otherwise). Errors follow §5.2: a JSON `{error, error_description}` with 400, or 401 for
 * `invalid_client`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JwtAuthority } from '../ca/bundle.js'
import { validateJwtSvid } from '../ca/validate-jwt-svid.js'
import type { Clock } from '../core/clock.js'
import type { Random } from '../core/random.js'
import type { AccessTokenSigner } from './access-token.js'
import type { Authorizer } from './authorizer.js'

export const TOKEN_PATH = '/oauth2/token'
export const JWKS_PATH = '/oauth2/jwks'
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** Default access token lifetime: 5 minutes. */
export const DEFAULT_ACCESS_TOKEN_TTL_MS = 5 * 60_000
const MAX_FORM_BYTES = 64 * 1024

/** What is audited for every issued token (never the token itself). */
export interface IssuedToken {
  readonly jti: string
  readonly spiffeId: string
  readonly scopes: readonly string[]
  readonly audience: string
  readonly iatMs: number
  readonly expMs: number
}

export interface TokenEndpointOptions {
  /** `iss` of access tokens: the server's public base URL. */
  readonly issuer: string
  /** The audience client assertions must carry: this endpoint's URL as callers know it. */
  readonly assertionAudience: string
  /** Default `aud` of access tokens when the request has no `audience` parameter. */
  readonly defaultAudience: string
  readonly ttlMs: number
  /** JWT authorities that may sign client assertions, by trust domain (undefined: not trusted). */
  readonly bundles: (trustDomain: string) => readonly JwtAuthority[] | undefined
  /** Every requested scope is checked through it, so each is an audited decision. */
  readonly authorizer: Pick<Authorizer, 'check'>
  readonly signer: AccessTokenSigner
  readonly clock: Clock
  readonly random: Random
  /** Audits an issued token. */
  readonly onIssued?: (token: IssuedToken) => void
  /** Audits a refused request (`error` code and, when known, the caller). */
  readonly onRefused?: (refusal: { error: string; reason: string; spiffeId?: string }) => void
}

/** The response of one token request, before it is written. */
export interface TokenResponse {
  readonly status: number
  readonly body: Record<string, unknown>
}

class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    readonly spiffeId?: string,
  ) {
    super(description)
  }
}

/** Handles one parsed form; pure apart from the clock, randomness and signing key in `options`. */
export async function exchangeToken(
  form: URLSearchParams,
  options: TokenEndpointOptions,
): Promise<TokenResponse> {
  try {
    const one = (name: string): string | undefined => {
      const all = form.getAll(name)
      if (all.length > 1) throw new OAuthError('invalid_request', `${name} repeated`)
      return all[0]
    }
    const grantType = one('grant_type')
    if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type missing')
    if (grantType !== 'client_credentials')
      throw new OAuthError('unsupported_grant_type', 'only client_credentials is supported')
    if (one('client_assertion_type') !== JWT_BEARER_ASSERTION)
      throw new OAuthError('invalid_client', 'client_assertion_type must be jwt-bearer', 401)
    const assertion = one('client_assertion')
    if (!assertion) throw new OAuthError('invalid_client', 'client_assertion missing', 401)
    const scopeParam = one('scope')
    const scopes = [...new Set((scopeParam ?? '').split(' ').filter((s) => s !== ''))]
    if (scopes.length === 0) throw new OAuthError('invalid_scope', 'scope is required')
    const nowMs = options.clock.now()
    let spiffeId: string
    try {
      ;({ spiffeId } = await validateJwtSvid(assertion, {
        audience: options.assertionAudience,
        bundles: options.bundles,
        nowMs,
      }))
    } catch (err) {
      const reason = ((err as { data?: { reason?: string } }).data?.reason ?? 'invalid') as string
      throw new OAuthError('invalid_client', `client assertion rejected: ${reason}`, 401)
    }
    const clientId = one('client_id')
    if (clientId !== undefined && clientId !== spiffeId)
      throw new OAuthError('invalid_client', 'client_id does not match the assertion subject', 401, spiffeId)
    // every scope is decided (and audited), even after the first refusal
    const refused = scopes.filter((scope) => !options.authorizer.check(spiffeId, scope).allow)
    if (refused.length > 0)
      throw new OAuthError('invalid_scope', `not granted: ${refused.join(' ')}`, 400, spiffeId)
    const audience = one('audience') ?? options.defaultAudience
    const iat = Math.floor(nowMs / 1000)
    const exp = Math.floor((nowMs + options.ttlMs) / 1000)
    const jti = Buffer.from(options.random.bytes(16)).toString('base64url')
    const scope = scopes.join(' ')
    const token = options.signer.sign({
      iss: options.issuer,
      sub: spiffeId,
      aud: audience,
      scope,
      iat,
      exp,
      jti,
    })
    options.onIssued?.({ jti, spiffeId, scopes, audience, iatMs: iat * 1000, expMs: exp * 1000 })
    return {
      status: 200,
      body: { access_token: token, token_type: 'Bearer', expires_in: exp - iat, scope },
    }
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err
    options.onRefused?.({
      error: err.error,
      reason: err.description,
      ...(err.spiffeId ? { spiffeId: err.spiffeId } : {}),
    })
    return { status: err.status, body: { error: err.error, error_description: err.description } }
  }
}

function readForm(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_FORM_BYTES) chunks.push(chunk)
    })
    req.on('end', () => resolve(size > MAX_FORM_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Writes a JSON body with the headers RFC 6749 §5.1 asks for. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
  })
  res.end(text)
}

/** Serves `POST /oauth2/token` for a request already routed here. */
export async function handleTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: TokenEndpointOptions,
): Promise<void> {
  if (req.method !== 'POST')
    return sendJson(res, 405, { error: 'invalid_request', error_description: 'use POST' }, { allow: 'POST' })
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded')
    return sendJson(res, 400, { error: 'invalid_request', error_description: 'body must be form-encoded' })
  const text = await readForm(req)
  if (text === undefined)
    return sendJson(res, 413, { error: 'invalid_request', error_description: 'body too large' })
  const out = await exchangeToken(new URLSearchParams(text), options)
  sendJson(res, out.status, out.body, out.status === 401 ? { 'www-authenticate': 'Bearer' } : {})
}
