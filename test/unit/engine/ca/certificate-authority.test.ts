import { createPublicKey } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createCertificateAuthority } from '../../../../engine/ca/certificate-authority.js'
import { concatCertChainDer, parseCertChainDer } from '../../../../engine/ca/chain.js'
import { createCsr } from '../../../../engine/ca/csr.js'
import { createDiskKeyManager } from '../../../../engine/ca/disk-key-manager.js'
import { createDiskJournalStore, createMemoryJournalStore } from '../../../../engine/ca/journal.js'
import { createMemoryKeyManager } from '../../../../engine/ca/key-manager.js'
import type { KeyType } from '../../../../engine/ca/key-type.js'
import { verifyX509Svid } from '../../../../engine/ca/verify-x509-svid.js'
import { FakeClock } from '../../../support/fake-clock.js'
import { seededRandom } from '../../../support/seeded-random.js'
import { fixtureKey, fixtureKeySource } from '../../../fixtures/ca/key-source.js'
import { makeTestCa, TD, tmp } from '../../../fixtures/ca/test-ca.js'

const ID = `spiffe://${TD}/web`
const HOUR = 3_600_000
const spki = (i = 9) => createPublicKey(fixtureKey('ec-p256', i)).export({ format: 'der', type: 'spki' })

const codeAndReason = (fn: () => unknown) => {
  try {
    fn()
    return 'ok'
  } catch (err) {
    return `${(err as { code: string }).code}:${(err as { data: { reason: string } }).data.reason}`
  }
}

describe('certificate authority', () => {
  it('refuses to sign before the first rotation, then creates both authorities', async () => {
    const clock = new FakeClock()
    const journal = createMemoryJournalStore()
    const ca = await createCertificateAuthority({
      keys: createMemoryKeyManager(fixtureKeySource()),
      journal,
      clock,
      random: seededRandom(1),
      trustDomain: TD,
    })
    expect(
      codeAndReason(() => ca.signWorkloadX509SvidForKey({ spkiDer: spki(), spiffeId: ID, ttlMs: HOUR })),
    ).toBe('ERR_CA_NOT_READY:no-x509-authority')
    expect(codeAndReason(() => ca.signJwtSvid({ spiffeId: ID, audience: ['a'], ttlMs: HOUR }))).toBe(
      'ERR_CA_NOT_READY:no-jwt-authority',
    )
    const done = await ca.rotate()
    expect(done.map((r) => `${r.action}:${r.authority}:${r.slot}`)).toEqual([
      'prepare:x509:A',
      'activate:x509:A',
      'prepare:jwt:A',
      'activate:jwt:A',
    ])
    expect(await ca.rotate()).toEqual([])
    expect((await journal.load())?.x509[0]?.status).toBe('active')
    expect(ca.bundle()).toMatchObject({ trustDomain: TD, sequence: 2, refreshHintSeconds: 300 })
  })

  it.each([
    ['root-path', { spiffeId: `spiffe://${TD}` }],
    ['trust-domain', { spiffeId: 'spiffe://other.org/web' }],
    ['spiffe-id', { spiffeId: 'spiffe://example.org/a/../b' }],
    ['dns-name', { dnsNames: ['bad name'] }],
    ['dns-name', { dnsNames: ['a..b'] }],
    ['ttl', { ttlMs: 0 }],
  ] as const)('refuses invalid X509-SVID requests: %s', async (reason, o) => {
    const { ca } = await makeTestCa()
    expect(
      codeAndReason(() =>
        ca.signWorkloadX509SvidForKey({ spkiDer: spki(), spiffeId: ID, ttlMs: HOUR, ...o }),
      ),
    ).toBe(`ERR_CA_INVALID_REQUEST:${reason}`)
  })

  it('accepts wildcard DNS names and refuses invalid CSRs', async () => {
    const { ca } = await makeTestCa()
    const ok = ca.signWorkloadX509SvidForKey({
      spkiDer: spki(),
      spiffeId: ID,
      dnsNames: ['*.web.example.org'],
      ttlMs: HOUR,
    })
    expect(ok.certChainDer).toHaveLength(1)
    expect(
      codeAndReason(() =>
        ca.signWorkloadX509Svid({ csrDer: Buffer.from('30', 'hex'), spiffeId: ID, ttlMs: HOUR }),
      ),
    ).toBe('ERR_CA_INVALID_CSR:malformed')
  })

  it('resumes from the disk journal and keys after a restart', async () => {
    const dir = tmp()
    const clock = new FakeClock()
    const deps = () => ({
      keys: createDiskKeyManager(join(dir, 'keys'), fixtureKeySource()),
      journal: createDiskJournalStore(join(dir, 'ca', 'journal.json')),
      clock,
      random: seededRandom(2),
      trustDomain: TD,
    })
    const first = await createCertificateAuthority(deps())
    await first.rotate()
    clock.advance(13 * HOUR)
    await first.rotate() // prepares slot B
    const before = first.journal()
    const second = await createCertificateAuthority(deps())
    expect(await second.rotate()).toEqual([])
    expect(second.journal()).toEqual(before)
    const svid = second.signWorkloadX509SvidForKey({ spkiDer: spki(), spiffeId: ID, ttlMs: HOUR })
    const bundle = first.bundle().x509Authorities
    expect(await verifyX509Svid(svid.certChainDer, () => bundle, clock.now())).toEqual({
      spiffeId: ID,
      trustDomain: TD,
    })
    clock.advance(8 * HOUR)
    expect((await second.rotate()).map((r) => `${r.action}:${r.authority}:${r.slot}`)).toEqual([
      'activate:x509:B',
      'activate:jwt:B',
    ])
    // a lost keys/ directory makes the CA start a new authority rather than fail forever
    await rm(join(dir, 'keys'), { recursive: true })
    const third = await createCertificateAuthority(deps())
    expect(
      third
        .journal()
        .audit.slice(-2)
        .map((r) => `${r.action}:${r.authority}`),
    ).toEqual(['key-missing:x509', 'key-missing:jwt'])
    expect((await third.rotate()).map((r) => r.action)).toEqual([
      'prepare',
      'activate',
      'prepare',
      'activate',
    ])
  })

  it('refuses a journal of another trust domain', async () => {
    const { journal } = await makeTestCa()
    await expect(
      createCertificateAuthority({
        keys: createMemoryKeyManager(fixtureKeySource()),
        journal,
        clock: new FakeClock(),
        random: seededRandom(3),
        trustDomain: 'other.org',
      }),
    ).rejects.toMatchObject({ code: 'ERR_CA_NOT_READY', data: { reason: 'trust-domain-mismatch' } })
  })

  it('prepares and activates manually, audited, publishing before signing', async () => {
    const audits: string[] = []
    const { ca, clock } = await makeTestCa({
      onAudit: (r) => audits.push(`${r.action}:${r.authority}:${r.actor}`),
    })
    await expect(ca.activate('x509', 'op')).rejects.toMatchObject({
      code: 'ERR_CA_NOT_READY',
      data: { reason: 'nothing-prepared' },
    })
    const seq = ca.bundle().sequence
    const p1 = await ca.prepare('x509', 'alice')
    expect(ca.bundle().sequence).toBe(seq + 1)
    expect(ca.bundle().x509Authorities).toHaveLength(2)
    const p2 = await ca.prepare('x509', 'alice')
    expect(p2.id).not.toBe(p1.id)
    expect(ca.bundle().x509Authorities).toHaveLength(2) // the replaced, never-active CA is withdrawn
    const oldSvid = ca.signWorkloadX509SvidForKey({ spkiDer: spki(), spiffeId: ID, ttlMs: HOUR })
    await ca.activate('x509', 'bob')
    const newSvid = ca.signWorkloadX509SvidForKey({ spkiDer: spki(), spiffeId: ID, ttlMs: HOUR })
    const bundle = ca.bundle().x509Authorities
    for (const s of [oldSvid, newSvid]) await verifyX509Svid(s.certChainDer, () => bundle, clock.now())
    expect(audits.slice(-3)).toEqual(['prepare:x509:alice', 'prepare:x509:alice', 'activate:x509:bob'])
    expect(ca.journal().audit.at(-1)).toMatchObject({
      action: 'activate',
      actor: 'bob',
      slot: 'B',
      id: p2.id,
    })
  })

  it.each(['ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const)(
    'works with %s CA keys',
    async (keyType: KeyType) => {
      const { ca, clock } = await makeTestCa({ keyType })
      const { csrDer } = createCsr(ID, 'ec-p384', { privateKey: fixtureKey('ec-p384', 2) })
      const svid = ca.signWorkloadX509Svid({ csrDer, spiffeId: ID, ttlMs: HOUR })
      await verifyX509Svid(svid.certChainDer, () => ca.bundle().x509Authorities, clock.now())
    },
  )

  it('verifyX509Svid rejects foreign, expired and unknown-authority chains', async () => {
    const a = await makeTestCa()
    const b = await makeTestCa({ keyOffset: 5 })
    const svid = a.ca.signWorkloadX509SvidForKey({ spkiDer: spki(), spiffeId: ID, ttlMs: HOUR })
    const now = a.clock.now()
    const reason = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { data: { reason: string } }) => e.data.reason,
      )
    expect(await reason(verifyX509Svid(svid.certChainDer, () => undefined, now))).toBe(
      'no-bundle-for-trust-domain',
    )
    expect(await reason(verifyX509Svid(svid.certChainDer, () => b.ca.bundle().x509Authorities, now))).toBe(
      'unknown-authority',
    )
    expect(
      await reason(verifyX509Svid(svid.certChainDer, () => a.ca.bundle().x509Authorities, now + 2 * HOUR)),
    ).toBe('expired')
    expect(await reason(verifyX509Svid([], () => undefined, now))).toBe('empty-chain')
  })

  it('parses concatenated DER chains strictly', async () => {
    const { ca } = await makeTestCa()
    const leaf = ca.signWorkloadX509SvidForKey({ spkiDer: spki(), spiffeId: ID, ttlMs: HOUR })
      .certChainDer[0] as Buffer
    const root = ca.bundle().x509Authorities[0]?.certDer as Buffer
    expect(parseCertChainDer(concatCertChainDer([leaf, root]))).toEqual([leaf, root])
    for (const bad of [
      Buffer.alloc(0),
      Buffer.concat([leaf, Buffer.from([0x30])]),
      Buffer.from('020100', 'hex'),
    ]) {
      expect(codeAndReason(() => parseCertChainDer(bad))).toBe('ERR_CA_INVALID_REQUEST:chain')
    }
  })
})
