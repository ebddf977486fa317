/**
 * OIDC discovery for JWT-SVIDs (SPIRE's oidc-discovery-provider): `/.well-known/openid-configuration`
 * and a JWKS of the current JWT keys at `/keys`, so outside systems can verify JWT-SVIDs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { encodeJwks, type JwtAuthority } from '../ca/bundle.js'

/** Options of the OIDC handler. */
export interface OidcOptions {
  /** The issuer URL (`https://oidc.example.org`), equal to the `iss` the CA puts in JWT-SVIDs. */
  readonly issuer: string
  /** The JWT authorities to publish, read on every request so rotation shows at once. */
  readonly jwtAuthorities: () => readonly JwtAuthority[]
  /** `Cache-Control: max-age` of responses, seconds; default 300. */
  readonly maxAgeSeconds?: number
}

/** The JWKS path served next to the discovery document. */
export const OIDC_JWKS_PATH = '/keys'
/** The discovery document path. */
export const OIDC_DISCOVERY_PATH = '/.well-known/openid-configuration'

/** The discovery document for `issuer`. */
export function oidcDiscoveryDocument(issuer: string, algs: readonly string[]): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer.replace(/\/+$/, '')}${OIDC_JWKS_PATH}`,
    authorization_endpoint: '',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  }
}

/**
 * A request handler for the two OIDC paths; returns `false` (and writes nothing) for other paths so
 * a server can mount it beside its own routes. GET and HEAD only.
 */
export function createOidcHandler(
  options: OidcOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const maxAge = options.maxAgeSeconds ?? 300
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (path !== OIDC_DISCOVERY_PATH && path !== OIDC_JWKS_PATH) return false
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return true
    }
    const jwks = encodeJwks(options.jwtAuthorities())
    const body =
      path === OIDC_JWKS_PATH
        ? jwks
        : oidcDiscoveryDocument(options.issuer, [...new Set(jwks.keys.map((k) => k['alg'] as string))].sort())
    const text = JSON.stringify(body)
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': `public, max-age=${maxAge}`,
      'content-length': Buffer.byteLength(text),
    })
    res.end(req.method === 'HEAD' ? undefined : text)
    return true
  }
}

/** A standalone HTTP server for the OIDC handler (404 elsewhere); call `listen` on it. */
export function createOidcServer(options: OidcOptions): Server {
  const handle = createOidcHandler(options)
  return createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  })
}
