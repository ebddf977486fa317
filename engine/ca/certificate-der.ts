/** A small X.509 certificate reader over DER (PURE): the fields SPIFFE rules look at, nothing more. */
import {
  bytesOf,
  contentOf,
  oidToString,
  parseDerTime,
  readChildren,
  readNode,
  readSingle,
  TAG,
  type DerNode,
} from './der.js'
import { OID } from './template.js'

/** One extension: criticality and the DER inside extnValue. */
export interface CertExtension {
  readonly critical: boolean
  readonly value: Buffer
}

/** The parts of a certificate that SPIFFE checks need. Buffers are views into the input. */
export interface CertificateFields {
  readonly tbsDer: Buffer
  readonly version: number
  /** Content octets of the serial INTEGER (two's complement). */
  readonly serial: Buffer
  readonly innerSignatureAlgorithmDer: Buffer
  readonly signatureAlgorithmDer: Buffer
  readonly signature: Buffer
  readonly issuerDer: Buffer
  readonly subjectDer: Buffer
  readonly notBeforeMs: number
  readonly notAfterMs: number
  readonly spkiDer: Buffer
  /** Extensions by OID; a duplicate OID is rejected while reading. */
  readonly extensions: ReadonlyMap<string, CertExtension>
}

function fail(what: string): never {
  throw new TypeError(`certificate: ${what}`)
}

function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined || node.tag !== tag) fail(`bad ${what}`)
  return node
}

/** Reads a DER certificate; throws `TypeError` or a DER error when it is not one. */
export function readCertificate(der: Uint8Array): CertificateFields {
  const cert = readSingle(der, TAG.sequence)
  const [tbsNode, algNode, sigNode, extra] = readChildren(der, cert)
  if (extra !== undefined) fail('trailing fields')
  const tbs = expectTag(tbsNode, TAG.sequence, 'tbsCertificate')
  expectTag(algNode, TAG.sequence, 'signatureAlgorithm')
  const sig = expectTag(sigNode, TAG.bitString, 'signatureValue')
  const parts = readChildren(der, tbs)
  let i = 0
  let version = 1
  if (parts[0]?.tag === 0xa0) {
    const v = expectTag(readChildren(der, parts[0])[0], TAG.integer, 'version')
    version = (contentOf(der, v)[0] ?? 0) + 1
    i = 1
  }
  const serial = expectTag(parts[i], TAG.integer, 'serial')
  const inner = expectTag(parts[i + 1], TAG.sequence, 'signature')
  const issuer = expectTag(parts[i + 2], TAG.sequence, 'issuer')
  const validity = readChildren(der, expectTag(parts[i + 3], TAG.sequence, 'validity'))
  const subject = expectTag(parts[i + 4], TAG.sequence, 'subject')
  const spki = expectTag(parts[i + 5], TAG.sequence, 'subjectPublicKeyInfo')
  const [nb, na] = validity
  if (!nb || !na || validity.length !== 2) fail('bad validity')
  const extensions = new Map<string, CertExtension>()
  for (const node of parts.slice(i + 6)) {
    if (node.tag !== 0xa3) continue // issuer/subject unique IDs: not used by SPIFFE
    for (const ext of readChildren(der, expectTag(readChildren(der, node)[0], TAG.sequence, 'extensions'))) {
      const fields = readChildren(der, ext)
      const oid = oidToString(contentOf(der, expectTag(fields[0], TAG.oid, 'extnID')))
      const critical =
        fields.length === 3 && fields[1]?.tag === TAG.boolean && contentOf(der, fields[1])[0] !== 0
      const value = contentOf(der, expectTag(fields[fields.length - 1], TAG.octetString, 'extnValue'))
      if (extensions.has(oid)) fail(`duplicate extension ${oid}`)
      extensions.set(oid, { critical, value })
    }
  }
  const sigContent = contentOf(der, sig)
  return {
    tbsDer: bytesOf(der, tbs),
    version,
    serial: contentOf(der, serial),
    innerSignatureAlgorithmDer: bytesOf(der, inner),
    signatureAlgorithmDer: bytesOf(der, algNode as DerNode),
    signature: sigContent.subarray(1),
    issuerDer: bytesOf(der, issuer),
    subjectDer: bytesOf(der, subject),
    notBeforeMs: parseDerTime(nb.tag, contentOf(der, nb)),
    notAfterMs: parseDerTime(na.tag, contentOf(der, na)),
    spkiDer: bytesOf(der, spki),
    extensions,
  }
}

/** BasicConstraints: `undefined` when absent. */
export function readBasicConstraints(
  cert: CertificateFields,
): { cA: boolean; critical: boolean } | undefined {
  const ext = cert.extensions.get(OID.basicConstraints)
  if (!ext) return undefined
  const seq = readSingle(ext.value, TAG.sequence)
  const first = readChildren(ext.value, seq)[0]
  const cA = first?.tag === TAG.boolean && contentOf(ext.value, first)[0] !== 0
  return { cA, critical: ext.critical }
}

/** Key usage bit numbers (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BIT = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const

/** KeyUsage as a set of bit numbers; `undefined` when absent. */
export function readKeyUsage(cert: CertificateFields): { bits: Set<number>; critical: boolean } | undefined {
  const ext = cert.extensions.get(OID.keyUsage)
  if (!ext) return undefined
  const content = contentOf(ext.value, readSingle(ext.value, TAG.bitString))
  const bits = new Set<number>()
  for (let byte = 1; byte < content.length; byte++) {
    for (let bit = 0; bit < 8; bit++)
      if (((content[byte] as number) >> (7 - bit)) & 1) bits.add((byte - 1) * 8 + bit)
  }
  return { bits, critical: ext.critical }
}

/** ExtendedKeyUsage OIDs; `undefined` when absent. */
export function readExtKeyUsage(cert: CertificateFields): string[] | undefined {
  const ext = cert.extensions.get(OID.extKeyUsage)
  if (!ext) return undefined
  return readChildren(ext.value, readSingle(ext.value, TAG.sequence)).map((n) =>
    oidToString(contentOf(ext.value, expectTag(n, TAG.oid, 'eku'))),
  )
}

/** SubjectAltName URIs and DNS names; `undefined` when absent. */
export function readSubjectAltName(
  cert: CertificateFields,
): { uris: string[]; dnsNames: string[]; otherCount: number; critical: boolean } | undefined {
  const ext = cert.extensions.get(OID.subjectAltName)
  if (!ext) return undefined
  const uris: string[] = []
  const dnsNames: string[] = []
  let otherCount = 0
  for (const n of readChildren(ext.value, readSingle(ext.value, TAG.sequence))) {
    const text = () => contentOf(ext.value, n).toString('latin1')
    if (n.tag === 0x86) uris.push(text())
    else if (n.tag === 0x82) dnsNames.push(text())
    else otherCount++
  }
  return { uris, dnsNames, otherCount, critical: ext.critical }
}

/** SubjectKeyIdentifier bytes; `undefined` when absent. */
export function readSubjectKeyId(cert: CertificateFields): Buffer | undefined {
  const ext = cert.extensions.get(OID.subjectKeyId)
  return ext ? contentOf(ext.value, readSingle(ext.value, TAG.octetString)) : undefined
}

/** AuthorityKeyIdentifier keyIdentifier bytes; `undefined` when absent. */
export function readAuthorityKeyId(cert: CertificateFields): Buffer | undefined {
  const ext = cert.extensions.get(OID.authorityKeyId)
  if (!ext) return undefined
  const keyId = readChildren(ext.value, readSingle(ext.value, TAG.sequence)).find((n) => n.tag === 0x80)
  return keyId ? contentOf(ext.value, keyId) : undefined
}

/** True when the subject Name has no RDNs. */
export function hasEmptySubject(cert: CertificateFields): boolean {
  return readNode(cert.subjectDer, 0).contentStart === cert.subjectDer.length
}
