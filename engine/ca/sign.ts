/**
 * Signing (SHELL): CA certificates through @peculiar/x509 and WebCrypto, leaf certificates on the
 * fast path (template.ts DER + `crypto.sign` with a cached KeyObject).
 */
import * as nodeCrypto from 'node:crypto'
import { createHash, sign, webcrypto, type KeyObject } from 'node:crypto'
import { trustDomainId } from '../core/spiffe-id.js'
import { contentOf, derBitString, derSequence, readChildren, readSingle, TAG, tlv } from './der.js'
import { keyTypeInfo, type KeyType } from './key-type.js'
import { x509 } from './x509.js'
import {
  assembleCertificate,
  buildLeafTbs,
  derExtension,
  derName,
  OID,
  type LeafFields,
  type LeafIssuerTemplate,
} from './template.js'

/** SHA-1 of the subjectPublicKey bits of a DER SPKI (RFC 5280 §4.2.1.2 method 1). */
export function subjectKeyIdOf(spkiDer: Uint8Array): Buffer {
  const [, bits] = readChildren(spkiDer, readSingle(spkiDer, TAG.sequence))
  if (bits?.tag !== TAG.bitString) throw new TypeError('spki without a bit string')
  const bitsContent = contentOf(spkiDer, bits).subarray(1)
  return oneShotHash
    ? oneShotHash('sha1', bitsContent, 'buffer')
    : createHash('sha1').update(bitsContent).digest()
}

// crypto.hash (Node ≥ 20.12) skips the Hash object: measurably cheaper on the leaf hot path
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash

/** Signs a leaf TBSCertificate built from the issuer template and returns the DER certificate. */
export function signLeafCertificate(
  issuer: LeafIssuerTemplate,
  fields: LeafFields,
  signer: { readonly privateKey: KeyObject; readonly hash: string },
): Buffer {
  const tbs = buildLeafTbs(issuer, fields)
  return assembleCertificate(tbs, issuer.signatureAlgorithmDer, sign(signer.hash, tbs, signer.privateKey))
}

type SigningKey = X509CreateParams['signingKey']
type X509CreateParams = Parameters<typeof x509.X509CertificateGenerator.create>[0] & { signingKey: unknown }

async function toCryptoKey(privateKey: KeyObject, type: KeyType): Promise<SigningKey> {
  const info = keyTypeInfo(type)
  const algorithm =
    info.family === 'ec'
      ? { name: 'ECDSA', namedCurve: info.namedCurve as string }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' })
  return (await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, [
    'sign',
  ])) as unknown as SigningKey
}

/** The Name of a Sigil CA certificate: `O=Sigil, CN=<trust domain>, serialNumber=<serial hex>` (unique per CA, as SPIRE does). */
export function caSubjectDer(trustDomain: string, serialHex: string): Buffer {
  const serialNumberAttr = tlv(
    TAG.set,
    derSequence(
      tlv(TAG.oid, Buffer.from([0x55, 0x04, 0x05])),
      tlv(TAG.printableString, Buffer.from(serialHex, 'latin1')),
    ),
  )
  const name = derName([
    [OID.organization, 'Sigil'],
    [OID.commonName, trustDomain],
  ])
  return derSequence(contentOf(name, readSingle(name, TAG.sequence)), serialNumberAttr)
}

/** Who signs a CA certificate: itself (self-signed root) or an upstream CA. */
export interface CaCertificateIssuer {
  readonly certDer: Buffer
  readonly privateKey: KeyObject
  readonly keyType: KeyType
}

/** Parameters of one CA certificate; serial and times are always explicit (never library defaults). */
export interface CaCertificateParams {
  readonly trustDomain: string
  readonly key: { readonly privateKey: KeyObject; readonly spkiDer: Buffer; readonly type: KeyType }
  /** Big-endian serial magnitude, top bit clear. */
  readonly serial: Uint8Array
  readonly notBeforeMs: number
  readonly notAfterMs: number
  readonly upstream?: CaCertificateIssuer
}

/** Creates a signing certificate with the §2.2 profile: CA, keyCertSign|cRLSign, URI SAN `spiffe://<td>`, no EKU. */
export async function createCaCertificate(params: CaCertificateParams): Promise<Buffer> {
  const serialHex = Buffer.from(params.serial).toString('hex')
  const subject = caSubjectDer(params.trustDomain, serialHex)
  const ski = subjectKeyIdOf(params.key.spkiDer)
  let issuerName: Uint8Array = subject
  let aki: Uint8Array = ski
  let signingKey = await toCryptoKey(params.key.privateKey, params.key.type)
  let signingType = params.key.type
  if (params.upstream) {
    const up = new x509.X509Certificate(params.upstream.certDer)
    issuerName = new Uint8Array(up.subjectName.toArrayBuffer())
    const upSki = up.getExtension(x509.SubjectKeyIdentifierExtension)
    aki = upSki ? Buffer.from(upSki.keyId, 'hex') : subjectKeyIdOf(new Uint8Array(up.publicKey.rawData))
    signingKey = await toCryptoKey(params.upstream.privateKey, params.upstream.keyType)
    signingType = params.upstream.keyType
  }
  const info = keyTypeInfo(signingType)
  const hash = info.hash === 'sha384' ? 'SHA-384' : 'SHA-256'
  const extensions = [
    derExtension(OID.basicConstraints, true, derSequence(tlv(TAG.boolean, Buffer.from([0xff])))),
    // keyCertSign(5) | cRLSign(6) = 0b00000110, 1 unused bit
    derExtension(OID.keyUsage, true, derBitString(Buffer.from([0x06]), 1)),
    derExtension(OID.subjectKeyId, false, tlv(TAG.octetString, ski)),
    derExtension(OID.authorityKeyId, false, derSequence(tlv(0x80, aki))),
    derExtension(
      OID.subjectAltName,
      false,
      derSequence(tlv(0x86, Buffer.from(trustDomainId(params.trustDomain)))),
    ),
  ].map((der) => new x509.Extension(der))
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex,
    subject: new x509.Name(subject),
    issuer: new x509.Name(issuerName),
    notBefore: new Date(params.notBeforeMs),
    notAfter: new Date(params.notAfterMs),
    publicKey: params.key.spkiDer,
    signingKey,
    signingAlgorithm: info.family === 'ec' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5', hash },
    extensions,
  })
  return Buffer.from(cert.rawData)
}
