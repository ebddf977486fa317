/**
 * The leaf fast path (PURE): X509-SVID TBSCertificates encoded straight to DER from constant chunks
 * prepared once per issuing CA plus the few variable fields (serial, validity, subject, key, SANs).
 * The profile is spiffe-reference §2.1; `check.ts` re-reads every result independently.
 */
import { derBitString, derOid, derSequence, TAG, tlv } from './der.js'

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

const EMPTY_SUBJECT = derSequence()
const DEFAULT_SUBJECT = derName([DEFAULT_SUBJECT_O])
const subjectCache = new Map<string, Buffer>()
const SUBJECT_CACHE_MAX = 4096

/** The subject Name of a leaf (an empty SEQUENCE in `empty` mode). Cached: entries reuse their DNS names. */
export function leafSubjectDer(mode: LeafSubjectMode, dnsNames: readonly string[]): Buffer {
  if (mode === 'empty') return EMPTY_SUBJECT
  const first = dnsNames[0]
  if (first === undefined || first.length > MAX_COMMON_NAME) return DEFAULT_SUBJECT
  let subject = subjectCache.get(first)
  if (!subject) {
    subject = derName([DEFAULT_SUBJECT_O, [OID.commonName, first]])
    if (subjectCache.size >= SUBJECT_CACHE_MAX) subjectCache.clear()
    subjectCache.set(first, subject)
  }
  return subject
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

const SKI_EXTENSION_PREFIX = Buffer.from('301d0603551d0e04160414', 'hex')
const SAN_OID = derOid(OID.subjectAltName)

/** Bytes taken by a DER header for `length` content bytes. */
function headerLength(length: number): number {
  return length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5
}

/** Writes a DER header at `at`; returns the offset after it. */
function writeHeader(out: Buffer, at: number, tag: number, length: number): number {
  out[at] = tag
  const size = headerLength(length)
  if (size === 2) out[at + 1] = length
  else {
    out[at + 1] = 0x80 | (size - 2)
    for (let i = at + size - 1, v = length; i > at + 1; i--, v >>>= 8) out[i] = v & 0xff
  }
  return at + size
}

function writeTwoDigits(out: Buffer, at: number, n: number): number {
  out[at] = 0x30 + Math.floor(n / 10)
  out[at + 1] = 0x30 + (n % 10)
  return at + 2
}

/** Writes a UTCTime (through 2049) or GeneralizedTime at `at`; returns the offset after it. */
function writeTime(out: Buffer, at: number, ms: number): number {
  const d = new Date(ms)
  const year = d.getUTCFullYear()
  const utc = year >= 1950 && year < 2050
  at = writeHeader(out, at, utc ? TAG.utcTime : TAG.generalizedTime, utc ? 13 : 15)
  if (!utc) at = writeTwoDigits(out, at, Math.floor(year / 100))
  at = writeTwoDigits(out, at, year % 100)
  at = writeTwoDigits(out, at, d.getUTCMonth() + 1)
  at = writeTwoDigits(out, at, d.getUTCDate())
  at = writeTwoDigits(out, at, d.getUTCHours())
  at = writeTwoDigits(out, at, d.getUTCMinutes())
  at = writeTwoDigits(out, at, d.getUTCSeconds())
  out[at] = 0x5a // 'Z'
  return at + 1
}

const timeLength = (ms: number) => {
  const year = new Date(ms).getUTCFullYear()
  return year >= 1950 && year < 2050 ? 15 : 17
}

/**
 * The DER TBSCertificate of an X509-SVID leaf, written in one pass into one buffer: sizes first,
 * then bytes. Equivalent to `derSequence(...)` composition (tests compare with @peculiar/x509).
 */
export function buildLeafTbs(issuer: LeafIssuerTemplate, fields: LeafFields): Buffer {
  const subject = leafSubjectDer(issuer.subjectMode, fields.dnsNames)
  const serial = fields.serial
  let s = 0
  while (s < serial.length - 1 && serial[s] === 0) s++
  const serialPad = serial.length === 0 || ((serial[s] as number) & 0x80) !== 0 ? 1 : 0
  const serialLength = serial.length - s + serialPad
  const critical = issuer.subjectMode === 'empty'
  let namesLength = headerLength(fields.spiffeId.length) + fields.spiffeId.length
  for (const dns of fields.dnsNames) namesLength += headerLength(dns.length) + dns.length
  const sanSeq = headerLength(namesLength) + namesLength
  const sanOctets = headerLength(sanSeq) + sanSeq
  const sanInner = SAN_OID.length + (critical ? 3 : 0) + sanOctets
  const sanExtension = headerLength(sanInner) + sanInner
  const extInner =
    CONSTANT_EXTENSIONS.length +
    SKI_EXTENSION_PREFIX.length +
    20 +
    issuer.authorityKeyIdExtension.length +
    sanExtension
  const extSeq = headerLength(extInner) + extInner
  const validityInner = timeLength(fields.notBeforeMs) + timeLength(fields.notAfterMs)
  const tbsInner =
    VERSION_3.length +
    headerLength(serialLength) +
    serialLength +
    issuer.afterSerial.length +
    headerLength(validityInner) +
    validityInner +
    subject.length +
    fields.spkiDer.length +
    headerLength(extSeq) +
    extSeq
  if (fields.subjectKeyId.length !== 20) throw new TypeError('subject key id must be 20 bytes')
  const out = Buffer.allocUnsafe(headerLength(tbsInner) + tbsInner)
  let at = writeHeader(out, 0, TAG.sequence, tbsInner)
  at += VERSION_3.copy(out, at)
  at = writeHeader(out, at, TAG.integer, serialLength)
  if (serialPad) out[at++] = 0
  out.set(serial.subarray(s), at)
  at += serial.length - s
  at += issuer.afterSerial.copy(out, at)
  at = writeHeader(out, at, TAG.sequence, validityInner)
  at = writeTime(out, at, fields.notBeforeMs)
  at = writeTime(out, at, fields.notAfterMs)
  at += subject.copy(out, at)
  out.set(fields.spkiDer, at)
  at += fields.spkiDer.length
  at = writeHeader(out, at, 0xa3, extSeq)
  at = writeHeader(out, at, TAG.sequence, extInner)
  at += CONSTANT_EXTENSIONS.copy(out, at)
  at += SKI_EXTENSION_PREFIX.copy(out, at)
  out.set(fields.subjectKeyId, at)
  at += 20
  at += issuer.authorityKeyIdExtension.copy(out, at)
  at = writeHeader(out, at, TAG.sequence, sanInner)
  at += SAN_OID.copy(out, at)
  if (critical) at += TRUE.copy(out, at)
  at = writeHeader(out, at, TAG.octetString, sanSeq)
  at = writeHeader(out, at, TAG.sequence, namesLength)
  for (const [tag, name] of [
    [0x86, fields.spiffeId] as const,
    ...fields.dnsNames.map((d) => [0x82, d] as const),
  ]) {
    at = writeHeader(out, at, tag, name.length)
    at += out.write(name, at, 'latin1')
  }
  if (at !== out.length) throw new TypeError('leaf template size mismatch')
  return out
}

/** `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }`. */
export function assembleCertificate(
  tbs: Uint8Array,
  signatureAlgorithmDer: Uint8Array,
  signature: Uint8Array,
): Buffer {
  return derSequence(tbs, signatureAlgorithmDer, derBitString(signature))
}
