/**
 * Peer X509-SVID verification (spiffe-reference §2.3, go-spiffe `x509svid.Verify`): leaf SPIFFE
 * rules, roots only from the bundle of the leaf's trust domain, RFC 5280 path with signatures
 * checked by @peculiar/x509 at an explicit time.
 */
import { EngineError } from '../core/errors.js'
import { parseSpiffeId } from '../core/spiffe-id.js'
import type { X509Authority } from './bundle.js'
import {
  KEY_USAGE_BIT,
  readBasicConstraints,
  readCertificate,
  readKeyUsage,
  readSubjectAltName,
} from './certificate-der.js'
import { x509SvidProblem } from './check.js'
import { x509 } from './x509.js'

/** The authenticated identity of a verified chain. */
export interface VerifiedX509Svid {
  readonly spiffeId: string
  readonly trustDomain: string
}

function invalid(reason: string): EngineError {
  return new EngineError('ERR_CA_SVID_CHECK', `x509-svid verification failed: ${reason}`, {
    data: { reason },
  })
}

const MAX_DEPTH = 8

/** Verifies a chain (leaf first) against the X.509 authorities of the leaf's trust domain at `nowMs`. */
export async function verifyX509Svid(
  chainDer: readonly Uint8Array[],
  bundles: (trustDomain: string) => readonly X509Authority[] | undefined,
  nowMs: number,
): Promise<VerifiedX509Svid> {
  const [leafDer, ...rest] = chainDer
  if (!leafDer) throw invalid('empty-chain')
  let leafFields
  try {
    leafFields = readCertificate(leafDer)
  } catch {
    throw invalid('not-a-certificate')
  }
  const problem = x509SvidProblem(leafFields)
  if (problem) throw invalid(problem)
  const spiffeId = readSubjectAltName(leafFields)?.uris[0] as string
  const id = parseSpiffeId(spiffeId)
  if (!id.ok) throw invalid('invalid-spiffe-id')
  const authorities = bundles(id.value.trustDomain)
  if (!authorities || authorities.length === 0) throw invalid('no-bundle-for-trust-domain')
  const date = new Date(nowMs)
  const roots = authorities.map((a) => new x509.X509Certificate(a.certDer))
  const intermediates = rest.map((d) => new x509.X509Certificate(d))
  let current = new x509.X509Certificate(leafDer)
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (date < current.notBefore || date > current.notAfter)
      throw invalid(depth === 0 ? 'expired' : 'chain-expired')
    const root = await findIssuer(current, roots, date)
    if (root) {
      if (date < root.notBefore || date > root.notAfter) throw invalid('root-expired')
      return { spiffeId, trustDomain: id.value.trustDomain }
    }
    const next = await findIssuer(current, intermediates, date)
    if (!next) throw invalid('unknown-authority')
    const fields = readCertificate(new Uint8Array(next.rawData))
    if (!readBasicConstraints(fields)?.cA || !readKeyUsage(fields)?.bits.has(KEY_USAGE_BIT.keyCertSign))
      throw invalid('intermediate-not-ca')
    current = next
  }
  throw invalid('chain-too-long')
}

async function findIssuer(
  cert: x509.X509Certificate,
  candidates: readonly x509.X509Certificate[],
  date: Date,
): Promise<x509.X509Certificate | undefined> {
  for (const candidate of candidates) {
    if (candidate.subject !== cert.issuer) continue
    if (await cert.verify({ publicKey: candidate.publicKey, date, signatureOnly: true })) return candidate
  }
  return undefined
}
