import { createPublicKey, webcrypto } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { readCertificate } from '../../../../engine/ca/certificate-der.js'
import { createCsr } from '../../../../engine/ca/csr.js'
import { x509 } from '../../../../engine/ca/x509.js'
import { fixtureKey } from '../../../fixtures/ca/key-source.js'
import { makeTestCa, TD, type TestCa } from '../../../fixtures/ca/test-ca.js'

const ID = `spiffe://${TD}/ns/prod/sa/web`
const HOUR = 3_600_000

function workloadSpki(index = 9): Buffer {
  return createPublicKey(fixtureKey('ec-p256', index)).export({ format: 'der', type: 'spki' })
}

describe('X509-SVID leaf profile (spiffe-reference §2.1), parsed by @peculiar/x509', () => {
  let t: TestCa
  beforeAll(async () => {
    t = await makeTestCa()
  })

  it('has the SPIRE leaf profile', async () => {
    const spkiDer = workloadSpki()
    const svid = t.ca.signWorkloadX509SvidForKey({
      spkiDer,
      spiffeId: ID,
      dnsNames: ['web.example.org', 'web'],
      ttlMs: HOUR,
    })
    const leaf = new x509.X509Certificate(svid.certChainDer[0] as Buffer)
    const caCert = new x509.X509Certificate(t.ca.bundle().x509Authorities[0]?.certDer as Buffer)
    expect(svid.certChainDer).toHaveLength(1)
    const bc = leaf.getExtension(x509.BasicConstraintsExtension)
    expect(bc?.ca).toBe(false)
    expect(bc?.critical).toBe(true)
    const ku = leaf.getExtension(x509.KeyUsagesExtension)
    expect(ku?.critical).toBe(true)
    expect(ku?.usages).toBe(
      x509.KeyUsageFlags.digitalSignature |
        x509.KeyUsageFlags.keyEncipherment |
        x509.KeyUsageFlags.keyAgreement,
    )
    const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension)
    expect(eku?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth])
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)
    expect(san?.names.toJSON()).toEqual([
      { type: 'url', value: ID },
      { type: 'dns', value: 'web.example.org' },
      { type: 'dns', value: 'web' },
    ])
    expect(san?.critical).toBe(false)
    expect(leaf.subject).toBe('O=Sigil, CN=web.example.org')
    expect(leaf.issuer).toBe(caCert.subject)
    const ski = leaf.getExtension(x509.SubjectKeyIdentifierExtension)
    const expectedSki = await x509.SubjectKeyIdentifierExtension.create(spkiDer)
    expect(ski?.keyId).toBe(expectedSki.keyId)
    const aki = leaf.getExtension(x509.AuthorityKeyIdentifierExtension)
    expect(aki?.keyId).toBe(caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId)
    expect(Buffer.from(leaf.publicKey.rawData).equals(spkiDer)).toBe(true)
    expect(leaf.notBefore.getTime()).toBe(Math.max(t.clock.now() - 10_000, caCert.notBefore.getTime()))
    expect(leaf.notAfter.getTime()).toBe(t.clock.now() + HOUR)
    expect(leaf.serialNumber).toBe(svid.serial.replace(/^00/, ''))
    expect(
      await leaf.verify({ publicKey: caCert.publicKey, date: new Date(t.clock.now()), signatureOnly: true }),
    ).toBe(true)
  })

  it('writes a random 128-bit serial, different every time', () => {
    const serials = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const s = t.ca.signWorkloadX509SvidForKey({ spkiDer: workloadSpki(), spiffeId: ID, ttlMs: HOUR }).serial
      expect(s.replace(/^00/, '').length).toBeLessThanOrEqual(32)
      serials.add(s)
    }
    expect(serials.size).toBe(50)
  })

  it('caps notAfter at the CA notAfter', () => {
    const svid = t.ca.signWorkloadX509SvidForKey({
      spkiDer: workloadSpki(),
      spiffeId: ID,
      ttlMs: 1000 * HOUR,
    })
    const caNotAfter = readCertificate(t.ca.bundle().x509Authorities[0]?.certDer as Buffer).notAfterMs
    expect(svid.notAfterMs).toBe(caNotAfter)
  })

  it('marks the SAN critical when the subject is empty', async () => {
    const empty = await makeTestCa({ leafSubject: 'empty' })
    const svid = empty.ca.signWorkloadX509SvidForKey({
      spkiDer: workloadSpki(),
      spiffeId: ID,
      dnsNames: ['a.b'],
      ttlMs: HOUR,
    })
    const leaf = new x509.X509Certificate(svid.certChainDer[0] as Buffer)
    expect(leaf.subject).toBe('')
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)?.critical).toBe(true)
  })

  it('keeps no CN for DNS names longer than 64 characters', () => {
    const long = `${'a'.repeat(60)}.example.org`
    const svid = t.ca.signWorkloadX509SvidForKey({
      spkiDer: workloadSpki(),
      spiffeId: ID,
      dnsNames: [long],
      ttlMs: HOUR,
    })
    expect(new x509.X509Certificate(svid.certChainDer[0] as Buffer).subject).toBe('O=Sigil')
  })

  it('produces the same TBSCertificate as @peculiar/x509 given the same fields', async () => {
    const spkiDer = workloadSpki(10)
    const svid = t.ca.signWorkloadX509SvidForKey({
      spkiDer,
      spiffeId: ID,
      dnsNames: ['web.example.org'],
      ttlMs: HOUR,
    })
    const fast = new x509.X509Certificate(svid.certChainDer[0] as Buffer)
    const caCert = new x509.X509Certificate(t.ca.bundle().x509Authorities[0]?.certDer as Buffer)
    const caKey = await t.keys.fetchKey('x509-CA-A')
    const signingKey = await webcrypto.subtle.importKey(
      'pkcs8',
      caKey?.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    )
    const slow = await x509.X509CertificateGenerator.create({
      serialNumber: fast.serialNumber,
      subject: fast.subjectName,
      issuer: caCert.subjectName,
      notBefore: fast.notBefore,
      notAfter: fast.notAfter,
      publicKey: spkiDer,
      signingKey: signingKey as never,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature |
            x509.KeyUsageFlags.keyEncipherment |
            x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        await x509.SubjectKeyIdentifierExtension.create(spkiDer),
        new x509.AuthorityKeyIdentifierExtension(
          caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId as string,
        ),
        new x509.SubjectAlternativeNameExtension([
          { type: 'url', value: ID },
          { type: 'dns', value: 'web.example.org' },
        ]),
      ],
    })
    expect(readCertificate(Buffer.from(slow.rawData)).tbsDer.toString('hex')).toBe(
      readCertificate(svid.certChainDer[0] as Buffer).tbsDer.toString('hex'),
    )
  })

  it('mints from a CSR using only its public key', () => {
    const key = fixtureKey('ec-p256', 11)
    const { csrDer } = createCsr(`spiffe://${TD}/something-else`, 'ec-p256', { privateKey: key })
    const svid = t.ca.signWorkloadX509Svid({ csrDer, spiffeId: ID, ttlMs: HOUR })
    const leaf = readCertificate(svid.certChainDer[0] as Buffer)
    expect(leaf.spkiDer.equals(createPublicKey(key).export({ format: 'der', type: 'spki' }))).toBe(true)
    const parsed = new x509.X509Certificate(svid.certChainDer[0] as Buffer)
    expect(parsed.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([
      { type: 'url', value: ID },
    ])
  })
})
