/** Concatenated DER certificate chains, as the Workload API carries them (`x509_svid`, `bundle`). */
import { EngineError } from '../core/errors.js'
import { readCertificate } from './certificate-der.js'
import { readNode, TAG } from './der.js'

/** Splits a concatenation of DER certificates; throws `ERR_CA_INVALID_REQUEST` (reason `chain`) unless every byte belongs to a certificate. */
export function parseCertChainDer(der: Uint8Array): Buffer[] {
  const out: Buffer[] = []
  try {
    for (let at = 0; at < der.length;) {
      const node = readNode(der, at)
      if (node.tag !== TAG.sequence) throw new TypeError('not a sequence')
      const cert = Buffer.from(der.subarray(node.start, node.end))
      readCertificate(cert)
      out.push(cert)
      at = node.end
    }
  } catch (err) {
    throw new EngineError('ERR_CA_INVALID_REQUEST', 'malformed certificate chain', {
      cause: err,
      data: { reason: 'chain' },
    })
  }
  if (out.length === 0) {
    throw new EngineError('ERR_CA_INVALID_REQUEST', 'empty certificate chain', { data: { reason: 'chain' } })
  }
  return out
}

/** Concatenates DER certificates (the inverse of `parseCertChainDer`). */
export function concatCertChainDer(certs: readonly Uint8Array[]): Buffer {
  return Buffer.concat(certs)
}
