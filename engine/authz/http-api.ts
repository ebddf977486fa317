/**
 * The authorization HTTP API (SHELL), mounted on the server's HTTP endpoint:
 * - `POST /oauth2/token`: access tokens for JWT-SVIDs (token-endpoint.ts);
 * - `GET /oauth2/jwks`: the access-token verification keys;
 * - `POST /v1/authorize`: `{"spiffeId","scope"}` or `{"checks":[{"spiffeId","scope"},…]}` →
 *   `{"decision","allow","roles","reason"}` (or `{"results":[…]}`), for services that ask the server
 *   instead of embedding `createAuthorizer`. The caller authenticates with its own JWT-SVID as a
 *   bearer token whose audience is the authorize URL; every decision is audited.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { validateJwtSvid } from '../ca/validate-jwt-svid.js'
import type { Decision } from './engine.js'
import {
  handleTokenRequest,
  JWKS_PATH,
  sendJson,
  TOKEN_PATH,
  type TokenEndpointOptions,
} from './token-endpoint.js'

export const AUTHORIZE_PATH = '/v1/authorize'
const MAX_JSON_BYTES = 256 * 1024
const MAX_CHECKS = 1000

export interface AuthzHttpOptions extends TokenEndpointOptions {
  /** The audience of the bearer JWT-SVID callers of `/v1/authorize` present. */
  readonly authorizeAudience: string
}

/** A handler for the authz paths; returns false (writing nothing) for any other path. */
export type AuthzHttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_JSON_BYTES) chunks.push(chunk)
    })
    req.on('end', () => {
      if (size > MAX_JSON_BYTES) return resolve(undefined)
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {
        resolve(undefined)
      }
    })
    req.on('error', reject)
  })
}

const view = (d: Decision) => ({
  decision: d.allow ? 'allow' : 'deny',
  allow: d.allow,
  roles: d.roles,
  reason: d.reason,
})

function asCheck(v: unknown): { spiffeId: string; scope: string } | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const { spiffeId, scope } = v as Record<string, unknown>
  return typeof spiffeId === 'string' && typeof scope === 'string' && spiffeId !== '' && scope !== ''
    ? { spiffeId, scope }
    : undefined
}

async function authorize(
  req: IncomingMessage,
  res: ServerResponse,
  options: AuthzHttpOptions,
): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' })
  const auth = req.headers.authorization ?? ''
  if (!auth.startsWith('Bearer '))
    return sendJson(res, 401, { error: 'bearer jwt-svid required' }, { 'www-authenticate': 'Bearer' })
  try {
    await validateJwtSvid(auth.slice(7).trim(), {
      audience: options.authorizeAudience,
      bundles: options.bundles,
      nowMs: options.clock.now(),
    })
  } catch (err) {
    const reason = (err as { data?: { reason?: string } }).data?.reason ?? 'invalid'
    return sendJson(res, 401, { error: `invalid jwt-svid: ${reason}` }, { 'www-authenticate': 'Bearer' })
  }
  const body = await readJson(req)
  if (typeof body === 'object' && body !== null && Array.isArray((body as { checks?: unknown }).checks)) {
    const checks = (body as { checks: unknown[] }).checks
    if (checks.length > MAX_CHECKS) return sendJson(res, 400, { error: `at most ${MAX_CHECKS} checks` })
    const parsed = checks.map(asCheck)
    const bad = parsed.findIndex((c) => c === undefined)
    if (bad >= 0) return sendJson(res, 400, { error: `checks[${bad}] needs spiffeId and scope` })
    return sendJson(res, 200, {
      results: parsed.map((c) => {
        const { spiffeId, scope } = c as { spiffeId: string; scope: string }
        return { spiffeId, scope, ...view(options.authorizer.check(spiffeId, scope)) }
      }),
    })
  }
  const one = asCheck(body)
  if (!one) return sendJson(res, 400, { error: 'body must be {"spiffeId","scope"} or {"checks":[…]}' })
  sendJson(res, 200, {
    spiffeId: one.spiffeId,
    scope: one.scope,
    ...view(options.authorizer.check(one.spiffeId, one.scope)),
  })
}

/** Routes the authz paths; errors become 500 without details. */
export function createAuthzHttpHandler(
  options: AuthzHttpOptions,
  onError?: (err: unknown) => void,
): AuthzHttpHandler {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0]
    let done: Promise<void>
    if (path === TOKEN_PATH) done = handleTokenRequest(req, res, options)
    else if (path === AUTHORIZE_PATH) done = authorize(req, res, options)
    else if (path === JWKS_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        sendJson(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' })
      else {
        const text = JSON.stringify(options.signer.jwks())
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          'cache-control': 'public, max-age=300',
        })
        res.end(req.method === 'HEAD' ? undefined : text)
      }
      return true
    } else return false
    done.catch((err: unknown) => {
      onError?.(err)
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
    })
    return true
  }
}
