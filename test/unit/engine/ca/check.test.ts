import { createPublicKey } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { readCertificate, readSubjectKeyId } from '../../../../engine/ca/certificate-der.js'
import {
  checkCaCertificate,
  checkIssuedX509Svid,
  x509SvidProblem,
  type IssuedLeafExpectation,
} from '../../../../engine/ca/check.js'
import { keyTypeInfo } from '../../../../engine/ca/key-type.js'
import type { ManagedKey } from '../../../../engine/ca/key-manager.js'
import { x509 } from '../../../../engine/ca/x509.js'
import { craftLeaf, type CraftOptions } from '../../../fixtures/ca/craft.js'
import { fixtureKey } from '../../../fixtures/ca/key-source.js'
import { makeTestCa, TD, type TestCa } from '../../../fixtures/ca/test-ca.js'

const ID = `spiffe://${TD}/web`
const KU = x509.KeyUsageFlags

describe('SPIFFE checks on X509-SVIDs', () => {
  let t: TestCa
  let caDer: Buffer
  let caKey: ManagedKey
  let spki: Buffer
  let expectation: IssuedLeafExpectation
  let now: number
  const craft = (o: Partial<CraftOptions>) =>
    craftLeaf(caDer, caKey.privateKey, spki, {
      uris: [ID],
      notBeforeMs: now - 10_000,
      notAfterMs: now + 3_600_000,
      ...o,
    })
  const reasonOf = (fn: () => unknown) => {
    try {
      fn()
      return 'ok'
    } catch (err) {
      return (err as { data: { reason: string } }).data.reason
    }
  }

  beforeAll(async () => {
    t = await makeTestCa()
    now = t.clock.now()
    caDer = t.ca.bundle().x509Authorities[0]?.certDer as Buffer
    caKey = (await t.keys.fetchKey('x509-CA-A')) as ManagedKey
    spki = createPublicKey(fixtureKey('ec-p256', 12)).export({ format: 'der', type: 'spki' })
    const ca = readCertificate(caDer)
    expectation = {
      spiffeId: ID,
      trustDomain: TD,
      dnsNames: [],
      spkiDer: spki,
      issuerNameDer: ca.subjectDer,
      issuerSubjectKeyId: readSubjectKeyId(ca) as Buffer,
      issuerNotBeforeMs: ca.notBeforeMs,
      issuerNotAfterMs: ca.notAfterMs,
      signatureAlgorithmDer: keyTypeInfo('ec-p256').signatureAlgorithmDer,
    }
  })

  it('accepts a leaf with the full profile built by @peculiar/x509', async () => {
    const der = await craft({ keyUsage: KU.digitalSignature | KU.keyEncipherment | KU.keyAgreement })
    expect(reasonOf(() => checkIssuedX509Svid(der, expectation))).toBe('ok')
  })

  it.each([
    ['more-than-one-uri-san', { uris: [ID, `spiffe://${TD}/other`] }],
    ['no-uri-san', { uris: [], dns: ['web'] }],
    ['root-path', { uris: [`spiffe://${TD}`] }],
    ['invalid-spiffe-id', { uris: ['spiffe://Example.org/web'] }],
    ['ca-flag-set', { ca: true }],
    ['key-cert-sign-set', { keyUsage: KU.digitalSignature | KU.keyCertSign }],
    ['crl-sign-set', { keyUsage: KU.digitalSignature | KU.cRLSign }],
    ['no-digital-signature', { keyUsage: KU.keyEncipherment }],
  ] as const)('peer rule: %s', async (reason, o) => {
    const der = await craft(o)
    expect(x509SvidProblem(readCertificate(der))).toBe(reason)
    expect(reasonOf(() => checkIssuedX509Svid(der, expectation))).toBe(reason)
  })

  it.each([
    ['no-basic-constraints', { basicConstraints: false }],
    ['key-usage-not-critical', { keyUsageCritical: false }],
    ['ext-key-usage', { eku: [x509.ExtendedKeyUsage.serverAuth] }],
    ['san-not-critical', { subject: '' }],
    ['spiffe-id', { uris: [`spiffe://${TD}/other`] }],
    ['dns-names', { dns: ['unexpected.example.org'] }],
    ['outlives-ca', { notAfterMs: Date.UTC(2030, 0, 1) }],
  ] as const)('issuer rule: %s', async (reason, o) => {
    const der = await craft(o)
    expect(reasonOf(() => checkIssuedX509Svid(der, expectation))).toBe(reason)
  })

  it('rejects a leaf for another public key and garbage', () => {
    const other = {
      ...expectation,
      spkiDer: createPublicKey(fixtureKey('ec-p256', 13)).export({ format: 'der', type: 'spki' }),
    }
    const good = t.ca.signWorkloadX509SvidForKey({ spkiDer: spki, spiffeId: ID, ttlMs: 60_000 })
      .certChainDer[0] as Buffer
    expect(reasonOf(() => checkIssuedX509Svid(good, expectation))).toBe('ok')
    expect(reasonOf(() => checkIssuedX509Svid(good, other))).toBe('public-key')
    expect(reasonOf(() => checkIssuedX509Svid(Buffer.from('3000', 'hex'), expectation))).toBe(
      'not-a-certificate',
    )
  })

  it('checks CA certificates against §2.2', async () => {
    expect(reasonOf(() => checkCaCertificate(caDer, TD))).toBe('ok')
    expect(reasonOf(() => checkCaCertificate(caDer, 'other.org'))).toBe('ca-spiffe-id')
    const leaf = await craft({})
    expect(reasonOf(() => checkCaCertificate(leaf, TD))).toBe('ca-basic-constraints')
  })
})
