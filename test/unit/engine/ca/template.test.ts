import { createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { derOid, derSequence, derTime, derUnsignedInteger, TAG, tlv } from '../../../../engine/ca/der.js'
import { keyTypeInfo } from '../../../../engine/ca/key-type.js'
import {
  buildLeafTbs,
  derExtension,
  derName,
  leafSubjectDer,
  makeLeafIssuerTemplate,
  OID,
  subjectAltNameExtension,
  type LeafFields,
  type LeafSubjectMode,
} from '../../../../engine/ca/template.js'
import { fixtureKey } from '../../../fixtures/ca/key-source.js'

/** The leaf TBS composed from nested TLVs: the obvious, slow encoding the one-pass writer must equal. */
function composedTbs(issuerName: Buffer, ski: Buffer, mode: LeafSubjectMode, f: LeafFields): Buffer {
  const alg = keyTypeInfo('ec-p256').signatureAlgorithmDer
  return derSequence(
    Buffer.from('a003020102', 'hex'),
    derUnsignedInteger(f.serial),
    alg,
    issuerName,
    derSequence(derTime(f.notBeforeMs), derTime(f.notAfterMs)),
    leafSubjectDer(mode, f.dnsNames),
    Buffer.from(f.spkiDer),
    tlv(
      0xa3,
      derSequence(
        derExtension(OID.basicConstraints, true, derSequence()),
        derExtension(OID.keyUsage, true, Buffer.from('030203a8', 'hex')),
        derExtension(OID.extKeyUsage, false, derSequence(derOid(OID.serverAuth), derOid(OID.clientAuth))),
        derExtension(OID.subjectKeyId, false, tlv(TAG.octetString, f.subjectKeyId)),
        derExtension(OID.authorityKeyId, false, derSequence(tlv(0x80, ski))),
        subjectAltNameExtension(f.spiffeId, f.dnsNames, mode === 'empty'),
      ),
    ),
  )
}

describe('one-pass leaf TBS writer', () => {
  const issuerName = derName([
    [OID.organization, 'Sigil'],
    [OID.commonName, 'example.org'],
  ])
  const ski = Buffer.alloc(20, 7)
  const spkiDer = createPublicKey(fixtureKey('rsa-4096')).export({ format: 'der', type: 'spki' })
  const base: LeafFields = {
    serial: Buffer.alloc(16, 0x11),
    notBeforeMs: Date.UTC(2026, 0, 1),
    notAfterMs: Date.UTC(2026, 0, 1, 1),
    spiffeId: 'spiffe://example.org/web',
    dnsNames: [],
    spkiDer,
    subjectKeyId: Buffer.alloc(20, 9),
  }
  it.each([
    ['defaults', {}, 'default'],
    ['high-bit serial', { serial: Buffer.alloc(16, 0xff) }, 'default'],
    ['leading-zero serial', { serial: Buffer.from([0, 0, 1, 2]) }, 'default'],
    ['GeneralizedTime after 2049', { notAfterMs: Date.UTC(2051, 5, 6, 7, 8, 9) }, 'default'],
    ['long URI (>255 bytes)', { spiffeId: `spiffe://example.org/${'a'.repeat(300)}` }, 'default'],
    [
      'many DNS names',
      { dnsNames: Array.from({ length: 40 }, (_, i) => `host-${i}.example.org`) },
      'default',
    ],
    ['empty subject, critical SAN', { dnsNames: ['a.example.org'] }, 'empty'],
  ] as const)('%s', (_name, o, mode) => {
    const issuer = makeLeafIssuerTemplate({
      issuerNameDer: issuerName,
      issuerSubjectKeyId: ski,
      signatureAlgorithmDer: keyTypeInfo('ec-p256').signatureAlgorithmDer,
      subjectMode: mode,
    })
    const fields = { ...base, ...o }
    expect(buildLeafTbs(issuer, fields).toString('hex')).toBe(
      composedTbs(issuerName, ski, mode, fields).toString('hex'),
    )
  })
})
