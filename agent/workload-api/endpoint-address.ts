/**
 * Workload API endpoint addresses (spiffe-reference §5.3): `SPIFFE_ENDPOINT_SOCKET` values such as
 * `unix:///run/agent.sock` or `tcp://127.0.0.1:8000`, parsed like go-spiffe's `TargetFromAddress`.
 */
import { EngineError } from '../../engine/core/errors.js'

/** Where Sigil's agent serves the Workload API unless configured otherwise. */
export const DEFAULT_WORKLOAD_SOCKET = '/tmp/sigil-agent/public/api.sock'

/** The environment variable every SPIFFE client falls back to. */
export const ENDPOINT_SOCKET_ENV = 'SPIFFE_ENDPOINT_SOCKET'

/** A parsed endpoint and the grpc-js target for it. */
export type EndpointAddress =
  | { readonly kind: 'unix'; readonly path: string; readonly target: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly target: string }

const bad = (message: string) =>
  new EngineError('ERR_WORKLOAD_INVALID_ARGUMENT', `workload endpoint address ${message}`)

/** Parses a `unix:` or `tcp:` URI; throws `ERR_WORKLOAD_INVALID_ARGUMENT` for anything else. */
export function parseEndpointAddress(address: string): EndpointAddress {
  let url: URL
  try {
    url = new URL(address)
  } catch {
    throw bad('is not a URI')
  }
  if (url.username !== '' || url.password !== '') throw bad('must not include user info')
  if (url.search !== '') throw bad('must not include a query')
  if (url.hash !== '' || address.includes('#')) throw bad('must not include a fragment')
  if (url.protocol === 'unix:') {
    if (url.host !== '') throw bad('unix socket URI must not have an authority')
    if (!url.pathname.startsWith('/')) throw bad('unix socket URI must not be opaque')
    if (url.pathname === '/') throw bad('unix socket URI must include a path')
    const path = decodeURIComponent(url.pathname)
    return { kind: 'unix', path, target: `unix:${path}` }
  }
  if (url.protocol === 'tcp:') {
    if (url.pathname !== '' && url.pathname !== '/') throw bad('tcp URI must not include a path')
    if (url.port === '') throw bad('tcp URI must include a port')
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':')
    if (!isIp) throw bad('tcp URI host must be an IP address')
    const port = Number(url.port)
    return {
      kind: 'tcp',
      host,
      port,
      target: host.includes(':') ? `ipv6:[${host}]:${port}` : `ipv4:${host}:${port}`,
    }
  }
  throw bad('scheme must be unix or tcp')
}

/**
 * The endpoint to use: an explicit `--socket` value (a URI, or a bare absolute path), else
 * `SPIFFE_ENDPOINT_SOCKET`, else the default socket.
 */
export function resolveEndpointAddress(
  explicit: string | undefined,
  env: string | undefined,
): EndpointAddress {
  const raw = explicit ?? (env !== undefined && env !== '' ? env : `unix://${DEFAULT_WORKLOAD_SOCKET}`)
  return parseEndpointAddress(raw.startsWith('/') ? `unix://${raw}` : raw)
}
