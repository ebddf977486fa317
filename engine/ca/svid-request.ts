/** Checks of SVID requests before anything is signed, and the CA's request/readiness errors (pure). */
import { EngineError } from '../core/errors.js'
import { parseSpiffeId } from '../core/spiffe-id.js'

const DNS_NAME =
  /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** ERR_CA_NOT_READY with a stable reason. */
export function notReady(reason: string): EngineError {
  return new EngineError('ERR_CA_NOT_READY', `ca not ready: ${reason}`, { data: { reason } })
}

/** ERR_CA_INVALID_REQUEST with a stable reason. */
export function badRequest(reason: string): EngineError {
  return new EngineError('ERR_CA_INVALID_REQUEST', `invalid svid request: ${reason}`, { data: { reason } })
}

/** Throws ERR_CA_INVALID_REQUEST unless the SPIFFE ID, DNS names and TTL may go into a leaf of `trustDomain`. */
export function checkX509Request(
  spiffeId: string,
  dnsNames: readonly string[],
  ttlMs: number,
  trustDomain: string,
): void {
  const id = parseSpiffeId(spiffeId)
  if (!id.ok) throw badRequest('spiffe-id')
  if (id.value.path === '') throw badRequest('root-path')
  if (id.value.trustDomain !== trustDomain) throw badRequest('trust-domain')
  if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw badRequest('ttl')
  for (const dns of dnsNames) if (dns.length > 253 || !DNS_NAME.test(dns)) throw badRequest('dns-name')
}
