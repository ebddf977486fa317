/**
 * The leaf fast path (PURE): X509-SVID TBSCertificates encoded straight to DER from constant chunks
 * prepared once per issuing CA plus the few variable fields (serial, validity, subject, key, SANs).
 * The profile is spiffe-reference §2.1; `check.ts` re-reads every result independently.
 */
import { derBitString, derOid, derSequence, derTime, derUnsignedInteger, TAG, tlv } from './der.js'

/** OIDs used by the leaf and CA profiles. */
export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  extensionRequest: '1.2.840.113549.1.9.14',
} as const

/** Common name of CN attributes is at most 64 characters (RFC 5280 ub-common-name). */
const MAX_COMMON_NAME = 64
const TRUE = tlv(TAG.boolean, Buffer.from([0xff]))

/** One Extension: `SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }`. */
export function derExtension(oid: string, critical: boolean, value: Uint8Array): Buffer {
  return critical
    ? derSequence(derOid(oid), TRUE, tlv(TAG.octetString, value))
    : derSequence(derOid(oid), tlv(TAG.octetString, value))
}

/** A Name of single-valued RDNs with UTF8String values, e.g. `[[OID.organization, 'Sigil']]`. */
export function derName(rdns: readonly (readonly [string, string])[]): Buffer {
  return derSequence(
    ...rdns.map(([oid, value]) =>
      tlv(TAG.set, derSequence(derOid(oid), tlv(TAG.utf8String, Buffer.from(value, 'utf8')))),
    ),
  )
}

const VERSION_3 = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02])
// BasicConstraints cA=false is the empty SEQUENCE (DEFAULT FALSE is omitted in DER); critical as Go does
const BASIC_CONSTRAINTS_LEAF = derExtension(OID.basicConstraints, true, derSequence())
// digitalSignature(0) | keyEncipherment(2) | keyAgreement(4) = 0b10101000, 3 unused bits
const KEY_USAGE_LEAF = derExtension(OID.keyUsage, true, derBitString(Buffer.from([0xa8]), 3))
const EXT_KEY_USAGE_LEAF = derExtension(
  OID.extKeyUsage,
  false,
  derSequence(derOid(OID.serverAuth), derOid(OID.clientAuth)),
)
const CONSTANT_EXTENSIONS = Buffer.concat([BASIC_CONSTRAINTS_LEAF, KEY_USAGE_LEAF, EXT_KEY_USAGE_LEAF])
const DEFAULT_SUBJECT_O: readonly [string, string] = [OID.organization, 'Sigil']

/** How leaf subjects are written: `O=Sigil[, CN=<first DNS name>]`, or empty with a critical SAN. */
export type LeafSubjectMode = 'default' | 'empty'

/** What a CA contributes to every leaf it signs, encoded once. */
export interface LeafIssuerTemplate {
  readonly signatureAlgorithmDer: Buffer
  /** `signature AlgorithmIdentifier || issuer Name`, written after the serial. */
  readonly afterSerial: Buffer
  /** The AuthorityKeyIdentifier extension naming the CA's key. */
  readonly authorityKeyIdExtension: Buffer
  readonly subjectMode: LeafSubjectMode
}

/** Prepares the constant parts of leaves issued by a CA with this subject, key ID and signature algorithm. */
export function makeLeafIssuerTemplate(params: {
  readonly issuerNameDer: Uint8Array
  readonly issuerSubjectKeyId: Uint8Array
  readonly signatureAlgorithmDer: Buffer
  readonly subjectMode?: LeafSubjectMode
}): LeafIssuerTemplate {
  return {
    signatureAlgorithmDer: params.signatureAlgorithmDer,
    afterSerial: Buffer.concat([params.signatureAlgorithmDer, params.issuerNameDer]),
    authorityKeyIdExtension: derExtension(
      OID.authorityKeyId,
      false,
      derSequence(tlv(0x80, params.issuerSubjectKeyId)),
    ),
    subjectMode: params.subjectMode ?? 'default',
  }
}

/** The variable fields of one leaf. Callers validate the SPIFFE ID and DNS names first. */
export interface LeafFields {
  /** Big-endian serial magnitude (16 random bytes). */
  readonly serial: Uint8Array
  readonly notBeforeMs: number
  readonly notAfterMs: number
  readonly spiffeId: string
  readonly dnsNames: readonly string[]
  /** DER SubjectPublicKeyInfo of the workload key, copied verbatim. */
  readonly spkiDer: Uint8Array
  /** SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1), computed by the caller. */
  readonly subjectKeyId: Uint8Array
}

/** The subject Name of a leaf (an empty SEQUENCE in `empty` mode). */
export function leafSubjectDer(mode: LeafSubjectMode, dnsNames: readonly string[]): Buffer {
  if (mode === 'empty') return derSequence()
  const first = dnsNames[0]
  return first !== undefined && first.length <= MAX_COMMON_NAME
    ? derName([DEFAULT_SUBJECT_O, [OID.commonName, first]])
    : derName([DEFAULT_SUBJECT_O])
}

/** The SubjectAltName extension: one URI, then DNS names; critical when the subject is empty (RFC 5280 §4.1.2.6). */
export function subjectAltNameExtension(
  spiffeId: string,
  dnsNames: readonly string[],
  critical: boolean,
): Buffer {
  const names = [tlv(0x86, Buffer.from(spiffeId, 'latin1'))]
  for (const dns of dnsNames) names.push(tlv(0x82, Buffer.from(dns, 'latin1')))
  return derExtension(OID.subjectAltName, critical, derSequence(...names))
}

/** The DER TBSCertificate of an X509-SVID leaf. */
export function buildLeafTbs(issuer: LeafIssuerTemplate, fields: LeafFields): Buffer {
  const subject = leafSubjectDer(issuer.subjectMode, fields.dnsNames)
  const extensions = tlv(
    0xa3,
    derSequence(
      CONSTANT_EXTENSIONS,
      derExtension(OID.subjectKeyId, false, tlv(TAG.octetString, fields.subjectKeyId)),
      issuer.authorityKeyIdExtension,
      subjectAltNameExtension(fields.spiffeId, fields.dnsNames, issuer.subjectMode === 'empty'),
    ),
  )
  return derSequence(
    VERSION_3,
    derUnsignedInteger(fields.serial),
    issuer.afterSerial,
    derSequence(derTime(fields.notBeforeMs), derTime(fields.notAfterMs)),
    subject,
    fields.spkiDer,
    extensions,
  )
}

/** `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }`. */
export function assembleCertificate(
  tbs: Uint8Array,
  signatureAlgorithmDer: Uint8Array,
  signature: Uint8Array,
): Buffer {
  return derSequence(tbs, signatureAlgorithmDer, derBitString(signature))
}
