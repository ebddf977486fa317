/**
 * SPIFFE rules for X509-SVIDs and CA certificates (PURE), spiffe-reference §2.1–§2.3. The CA runs
 * `checkIssuedX509Svid` on every leaf it mints before returning it, as SPIRE validates its own output.
 */
import { EngineError } from '../core/errors.js'
import { parseSpiffeId } from '../core/spiffe-id.js'
import {
  hasEmptySubject,
  KEY_USAGE_BIT,
  readAuthorityKeyId,
  readBasicConstraints,
  readCertificate,
  readExtKeyUsage,
  readKeyUsage,
  readSubjectAltName,
  readSubjectKeyId,
  type CertificateFields,
} from './certificate-der.js'
import { OID } from './template.js'

/** Why a leaf is not an X509-SVID (stable strings; SPIRE/go-spiffe wording where one exists). */
export type X509SvidProblem =
  | 'not-a-certificate'
  | 'no-uri-san'
  | 'more-than-one-uri-san'
  | 'invalid-spiffe-id'
  | 'root-path'
  | 'ca-flag-set'
  | 'no-basic-constraints'
  | 'key-cert-sign-set'
  | 'crl-sign-set'
  | 'no-digital-signature'

/** The leaf rules every SPIFFE peer applies (§2.3, plus go-spiffe's own-SVID rules), or `undefined` when fine. */
export function x509SvidProblem(cert: CertificateFields): X509SvidProblem | undefined {
  return leafProblem(readSubjectAltName(cert), readBasicConstraints(cert), readKeyUsage(cert))
}

function leafProblem(
  san: ReturnType<typeof readSubjectAltName>,
  bc: ReturnType<typeof readBasicConstraints>,
  ku: ReturnType<typeof readKeyUsage>,
): X509SvidProblem | undefined {
  if (!san || san.uris.length === 0) return 'no-uri-san'
  if (san.uris.length > 1) return 'more-than-one-uri-san'
  const id = parseSpiffeId(san.uris[0] as string)
  if (!id.ok) return 'invalid-spiffe-id'
  if (id.value.path === '') return 'root-path'
  if (bc?.cA) return 'ca-flag-set'
  if (ku?.bits.has(KEY_USAGE_BIT.keyCertSign)) return 'key-cert-sign-set'
  if (ku?.bits.has(KEY_USAGE_BIT.cRLSign)) return 'crl-sign-set'
  if (!ku?.bits.has(KEY_USAGE_BIT.digitalSignature)) return 'no-digital-signature'
  return undefined
}

/** What the CA asked for; the minted leaf must match it exactly. */
export interface IssuedLeafExpectation {
  readonly spiffeId: string
  readonly trustDomain: string
  readonly dnsNames: readonly string[]
  readonly spkiDer: Uint8Array
  readonly issuerNameDer: Uint8Array
  readonly issuerSubjectKeyId: Uint8Array
  readonly issuerNotBeforeMs: number
  readonly issuerNotAfterMs: number
  readonly signatureAlgorithmDer: Uint8Array
}

function fail(reason: string): never {
  throw new EngineError('ERR_CA_SVID_CHECK', `minted x509-svid failed its check: ${reason}`, {
    data: { reason },
  })
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0

/** Throws `ERR_CA_SVID_CHECK` (data.reason) unless `leafDer` is an X509-SVID with the §2.1 profile and the expected fields. */
export function checkIssuedX509Svid(leafDer: Uint8Array, expect: IssuedLeafExpectation): CertificateFields {
  let cert: CertificateFields
  try {
    cert = readCertificate(leafDer)
  } catch {
    fail('not-a-certificate')
  }
  const san = readSubjectAltName(cert)
  const bc = readBasicConstraints(cert)
  const ku = readKeyUsage(cert)
  const problem = leafProblem(san, bc, ku)
  if (problem) fail(problem)
  if (cert.version !== 3) fail('not-v3')
  if (cert.serial.length === 0 || cert.serial.length > 20 || ((cert.serial[0] as number) & 0x80) !== 0)
    fail('serial')
  if (cert.serial.every((b) => b === 0)) fail('serial')
  if (!same(cert.innerSignatureAlgorithmDer, cert.signatureAlgorithmDer)) fail('signature-algorithm-mismatch')
  if (!same(cert.signatureAlgorithmDer, expect.signatureAlgorithmDer)) fail('signature-algorithm')
  if (!same(cert.issuerDer, expect.issuerNameDer)) fail('issuer')
  if (cert.notBeforeMs > cert.notAfterMs) fail('validity')
  if (cert.notAfterMs > expect.issuerNotAfterMs || cert.notBeforeMs < expect.issuerNotBeforeMs)
    fail('outlives-ca')
  if (!same(cert.spkiDer, expect.spkiDer)) fail('public-key')
  if (!bc) fail('no-basic-constraints')
  if (!ku?.critical) fail('key-usage-not-critical')
  const eku = readExtKeyUsage(cert)
  if (!eku?.includes(OID.serverAuth) || !eku.includes(OID.clientAuth)) fail('ext-key-usage')
  if (!san || san.uris[0] !== expect.spiffeId) fail('spiffe-id')
  if (!expect.spiffeId.startsWith(`spiffe://${expect.trustDomain}/`)) fail('trust-domain')
  if (san.otherCount > 0 || san.dnsNames.join('\n') !== expect.dnsNames.join('\n')) fail('dns-names')
  if (hasEmptySubject(cert) && !san.critical) fail('san-not-critical')
  if (!readSubjectKeyId(cert)) fail('no-subject-key-id')
  const aki = readAuthorityKeyId(cert)
  if (!aki || !same(aki, expect.issuerSubjectKeyId)) fail('authority-key-id')
  if (cert.extensions.has(OID.nameConstraints)) fail('name-constraints')
  return cert
}

/** Throws `ERR_CA_SVID_CHECK` unless `der` is a signing certificate per §2.2 for `trustDomain`. */
export function checkCaCertificate(der: Uint8Array, trustDomain: string): CertificateFields {
  let cert: CertificateFields
  try {
    cert = readCertificate(der)
  } catch {
    fail('not-a-certificate')
  }
  const bc = readBasicConstraints(cert)
  if (!bc?.cA || !bc.critical) fail('ca-basic-constraints')
  const ku = readKeyUsage(cert)
  if (!ku?.critical || !ku.bits.has(KEY_USAGE_BIT.keyCertSign)) fail('ca-key-usage')
  if (ku.bits.has(KEY_USAGE_BIT.digitalSignature)) fail('ca-usable-for-authentication')
  if (cert.extensions.has(OID.extKeyUsage)) fail('ca-ext-key-usage')
  const san = readSubjectAltName(cert)
  if (san && (san.uris.length !== 1 || san.uris[0] !== `spiffe://${trustDomain}`)) fail('ca-spiffe-id')
  if (!readSubjectKeyId(cert)) fail('no-subject-key-id')
  return cert
}
