import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createCsr, verifyCsr } from '../../../../engine/ca/csr.js'
import { derBitString, derSequence } from '../../../../engine/ca/der.js'
import { readChildren, readSingle, TAG, bytesOf } from '../../../../engine/ca/der.js'
import { KEY_TYPES } from '../../../../engine/ca/key-type.js'
import { x509 } from '../../../../engine/ca/x509.js'
import { fixtureKey } from '../../../fixtures/ca/key-source.js'

const ID = 'spiffe://example.org/web'

function reasonOf(fn: () => unknown): string {
  try {
    fn()
    return 'ok'
  } catch (err) {
    return `${(err as { code: string }).code}:${(err as { data: { reason: string } }).data.reason}`
  }
}

describe('CSRs', () => {
  it.each(KEY_TYPES)(
    'createCsr(%s) is a valid PKCS#10 request that @peculiar/x509 verifies',
    async (type) => {
      const key = fixtureKey(type, 1)
      const { csrDer, privateKeyPkcs8Der } = createCsr(ID, type, { privateKey: key })
      const csr = new x509.Pkcs10CertificateRequest(csrDer)
      expect(await csr.verify()).toBe(true)
      const san = csr.extensions.find((e) => e.type === '2.5.29.17') as x509.SubjectAlternativeNameExtension
      expect(san.names.toJSON()).toEqual([{ type: 'url', value: ID }])
      expect(privateKeyPkcs8Der.equals(key.export({ format: 'der', type: 'pkcs8' }))).toBe(true)
      const verified = verifyCsr(csrDer)
      expect(verified.keyType).toBe(type)
      expect(verified.spkiDer.equals(createPublicKey(key).export({ format: 'der', type: 'spki' }))).toBe(true)
    },
  )

  it('generates a fresh key when none is given', () => {
    const a = createCsr(ID)
    const b = createCsr(ID)
    expect(a.privateKeyPkcs8Der.equals(b.privateKeyPkcs8Der)).toBe(false)
    expect(verifyCsr(a.csrDer).keyType).toBe('ec-p256')
  })

  it('rejects a tampered signature, a wrong algorithm, unsupported keys and garbage', () => {
    const { csrDer } = createCsr(ID, 'ec-p256', { privateKey: fixtureKey('ec-p256', 2) })
    const tampered = Buffer.from(csrDer)
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 0x01
    expect(reasonOf(() => verifyCsr(tampered))).toMatch(/^ERR_CA_INVALID_CSR:(signature|malformed)$/)

    const [info, , sig] = readChildren(csrDer, readSingle(csrDer, TAG.sequence))
    const rsaAlg = derSequence(Buffer.from('06092a864886f70d01010b', 'hex'), Buffer.from('0500', 'hex'))
    const wrongAlg = derSequence(bytesOf(csrDer, info!), rsaAlg, bytesOf(csrDer, sig!))
    expect(reasonOf(() => verifyCsr(wrongAlg))).toBe('ERR_CA_INVALID_CSR:signature-algorithm')

    const ed = generateKeyPairSync('ed25519').privateKey
    const edSpki = createPublicKey(ed).export({ format: 'der', type: 'spki' })
    const edInfo = derSequence(
      Buffer.from('020100', 'hex'),
      derSequence(),
      edSpki,
      Buffer.from('a000', 'hex'),
    )
    const edCsr = derSequence(
      edInfo,
      derSequence(Buffer.from('06032b6570', 'hex')),
      derBitString(Buffer.alloc(64)),
    )
    expect(reasonOf(() => verifyCsr(edCsr))).toBe('ERR_CA_INVALID_CSR:signature-algorithm')

    expect(reasonOf(() => verifyCsr(Buffer.from('hello')))).toBe('ERR_CA_INVALID_CSR:malformed')
    expect(reasonOf(() => verifyCsr(Buffer.concat([csrDer, Buffer.from([0])])))).toBe(
      'ERR_CA_INVALID_CSR:malformed',
    )
  })

  it('refuses to build a CSR for an invalid SPIFFE ID or a mismatched key', () => {
    expect(() => createCsr('spiffe://Example.org/x')).toThrow(TypeError)
    expect(() => createCsr(ID, 'ec-p384', { privateKey: fixtureKey('ec-p256') })).toThrow(TypeError)
  })
})
