/** Builds Workload API messages (proto-loader object form, snake_case) from identities and bundles. */
import { trustDomainId } from '../../engine/core/spiffe-id.js'
import type { JwtAuthority, TrustBundle, WorkloadIdentity } from './identity-source.js'

/** `X509SVIDResponse`. */
export interface X509SvidResponse {
  svids: { spiffe_id: string; x509_svid: Buffer; x509_svid_key: Buffer; bundle: Buffer; hint: string }[]
  crl: Buffer[]
  federated_bundles: Record<string, Buffer>
}

/** `X509BundlesResponse` / `JWTBundlesResponse` maps: `spiffe://td` → bytes. */
export type BundleMap = Record<string, Buffer>

/** JWK members that may leave the agent; private members (`d`, `p`, `q`, …) never do. */
const PUBLIC_JWK_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const

/**
 * Drops identities whose non-empty hint an earlier identity already used (the first, i.e. oldest,
 * wins), keeping the order.
 */
export function withUniqueHints(identities: readonly WorkloadIdentity[]): WorkloadIdentity[] {
  const seen = new Set<string>()
  return identities.filter((identity) => {
    if (identity.hint === '') return true
    if (seen.has(identity.hint)) return false
    seen.add(identity.hint)
    return true
  })
}

/** Sorted, de-duplicated foreign trust domains the identities federate with. */
export function federatedTrustDomains(identities: readonly WorkloadIdentity[], local: string): string[] {
  const tds = new Set<string>()
  for (const identity of identities) for (const td of identity.federatesWith) if (td !== local) tds.add(td)
  return [...tds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** The full-state X509-SVID message: every SVID with the local bundle, plus federated bundles. */
export function x509SvidResponse(
  identities: readonly WorkloadIdentity[],
  local: TrustBundle,
  federated: readonly TrustBundle[],
): X509SvidResponse {
  const bundle = Buffer.concat(local.x509AuthoritiesDer)
  return {
    svids: identities.map((identity) => ({
      spiffe_id: identity.spiffeId,
      x509_svid: Buffer.concat(identity.certChainDer),
      x509_svid_key: identity.privateKeyPkcs8Der,
      bundle,
      hint: identity.hint,
    })),
    crl: [],
    federated_bundles: x509BundleMap(federated),
  }
}

/** `spiffe://td` → concatenated DER roots, in the order given. */
export function x509BundleMap(bundles: readonly TrustBundle[]): BundleMap {
  const map: BundleMap = {}
  for (const b of bundles) map[trustDomainId(b.trustDomain)] = Buffer.concat(b.x509AuthoritiesDer)
  return map
}

/** `spiffe://td` → UTF-8 JWKS JSON of the JWT authorities, each with `kid`. */
export function jwtBundleMap(bundles: readonly TrustBundle[]): BundleMap {
  const map: BundleMap = {}
  for (const b of bundles) map[trustDomainId(b.trustDomain)] = Buffer.from(jwks(b.jwtAuthorities), 'utf8')
  return map
}

/** A JWKS string with only public key members plus `kid`. */
export function jwks(authorities: readonly JwtAuthority[]): string {
  const keys = authorities.map((authority) => {
    const jwk: Record<string, unknown> = {}
    const source = authority.publicKeyJwk as Record<string, unknown>
    for (const member of PUBLIC_JWK_MEMBERS) if (source[member] !== undefined) jwk[member] = source[member]
    jwk['kid'] = authority.keyId
    return jwk
  })
  return JSON.stringify({ keys })
}

/** `google.protobuf.Value` in proto-loader object form. */
export type ProtoValue =
  | { nullValue: 'NULL_VALUE' }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: ProtoStruct }
  | { listValue: { values: ProtoValue[] } }

/** `google.protobuf.Struct` in proto-loader object form. */
export interface ProtoStruct {
  fields: Record<string, ProtoValue>
}

/** JSON object → `google.protobuf.Struct` (numbers become doubles; undefined members are dropped). */
export function toStruct(object: Readonly<Record<string, unknown>>): ProtoStruct {
  const fields: Record<string, ProtoValue> = {}
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) fields[key] = toValue(value)
  }
  return { fields }
}

function toValue(value: unknown): ProtoValue {
  if (value === null) return { nullValue: 'NULL_VALUE' }
  if (typeof value === 'number') return { numberValue: value }
  if (typeof value === 'string') return { stringValue: value }
  if (typeof value === 'boolean') return { boolValue: value }
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } }
  if (typeof value === 'object') return { structValue: toStruct(value as Record<string, unknown>) }
  return { stringValue: String(value) }
}

/** `google.protobuf.Struct` (as decoded by proto-loader) → plain JSON object. */
export function fromStruct(
  struct: { fields?: Record<string, unknown> } | null | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = fromValue(value)
  return out
}

function fromValue(value: unknown): unknown {
  const v = value as Record<string, unknown> & { kind?: string }
  const kind = v.kind ?? Object.keys(v).find((k) => k.endsWith('Value'))
  switch (kind) {
    case 'nullValue':
      return null
    case 'numberValue':
    case 'stringValue':
    case 'boolValue':
      return v[kind]
    case 'listValue':
      return ((v['listValue'] as { values?: unknown[] }).values ?? []).map(fromValue)
    case 'structValue':
      return fromStruct(v['structValue'] as { fields?: Record<string, unknown> })
    default:
      return null
  }
}
