/** An upstream CA from disk (SPIRE's `disk` UpstreamAuthority): our CA certificates become its intermediates. */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { EngineError } from '../core/errors.js'
import { parseCertificatesPem } from './bundle.js'
import { readCertificate } from './certificate-der.js'
import { keyTypeFromDetails, type KeyType } from './key-type.js'

/** An upstream signing CA: its certificate (first) and intermediates, its key, and the roots to trust. */
export interface UpstreamAuthority {
  /** Upstream signing certificate first, then any intermediates up to (not necessarily including) a root. */
  readonly certChainDer: readonly Buffer[]
  readonly privateKey: KeyObject
  readonly keyType: KeyType
  /** Trust anchors published in the bundle; a self-signed upstream certificate is its own root. */
  readonly rootsDer: readonly Buffer[]
}

function upstreamError(reason: string, cause?: unknown): EngineError {
  return new EngineError('ERR_CA_KEY', `upstream ca: ${reason}`, { cause, data: { reason } })
}

/** True when a certificate names itself as issuer. */
export function isSelfIssued(certDer: Uint8Array): boolean {
  const c = readCertificate(certDer)
  return Buffer.compare(c.issuerDer, c.subjectDer) === 0
}

/** Builds an upstream authority from PEM texts; without a bundle the upstream certificate must be self-signed. */
export function upstreamFromPem(params: {
  certPem: string
  keyPem: string
  bundlePem?: string
}): UpstreamAuthority {
  const chain = parseCertificatesPem(params.certPem)
  const first = chain[0]
  if (!first) throw upstreamError('no-certificate')
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({ key: params.keyPem, format: 'pem' })
  } catch {
    throw upstreamError('key-invalid') // no cause: it could echo key material
  }
  const keyType = keyTypeFromDetails(privateKey.asymmetricKeyType, privateKey.asymmetricKeyDetails)
  if (!keyType) throw upstreamError('key-type')
  const keySpki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  if (Buffer.compare(readCertificate(first).spkiDer, keySpki) !== 0) throw upstreamError('key-mismatch')
  const roots = params.bundlePem ? parseCertificatesPem(params.bundlePem) : []
  if (roots.length === 0) {
    if (!isSelfIssued(first)) throw upstreamError('bundle-required')
    return { certChainDer: [first], privateKey, keyType, rootsDer: [first] }
  }
  const intermediates = chain.filter((c) => !roots.some((r) => r.equals(c)))
  return {
    certChainDer: intermediates.length ? intermediates : [first],
    privateKey,
    keyType,
    rootsDer: roots,
  }
}

/** Reads an upstream authority from a certificate file, a key file and an optional bundle file. */
export async function loadUpstreamAuthority(files: {
  certFile: string
  keyFile: string
  bundleFile?: string
}): Promise<UpstreamAuthority> {
  const [certPem, keyPem, bundlePem] = await Promise.all([
    readFile(files.certFile, 'utf8'),
    readFile(files.keyFile, 'utf8'),
    files.bundleFile ? readFile(files.bundleFile, 'utf8') : Promise.resolve(undefined),
  ])
  return upstreamFromPem({ certPem, keyPem, ...(bundlePem === undefined ? {} : { bundlePem }) })
}
