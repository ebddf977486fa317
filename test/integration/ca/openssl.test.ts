import { execFileSync } from 'node:child_process'
import { createPublicKey } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { certificatePem, encodeBundlePem } from '../../../engine/ca/bundle.js'
import { createCsr } from '../../../engine/ca/csr.js'
import type { KeyType } from '../../../engine/ca/key-type.js'
import { loadUpstreamAuthority } from '../../../engine/ca/upstream.js'
import { verifyX509Svid } from '../../../engine/ca/verify-x509-svid.js'
import { fixtureKey } from '../../fixtures/ca/key-source.js'
import { makeTestCa, openssl, opensslVerify, TD, tmp } from '../../fixtures/ca/test-ca.js'

const ID = `spiffe://${TD}/ns/prod/sa/api`
const HOUR = 3_600_000

describe('OpenSSL accepts what the CA mints', () => {
  it.each([
    ['ec-p256', 'ec-p256'],
    ['ec-p384', 'rsa-2048'],
    ['rsa-2048', 'ec-p384'],
    ['rsa-4096', 'ec-p256'],
  ] as const)(
    'CA %s, workload %s: openssl verify -x509_strict for client and server purpose',
    async (caType, wlType) => {
      const { ca, clock } = await makeTestCa({ keyType: caType as KeyType })
      const { csrDer } = createCsr(ID, wlType, { privateKey: fixtureKey(wlType, 3) })
      const svid = ca.signWorkloadX509Svid({
        csrDer,
        spiffeId: ID,
        dnsNames: ['api.example.org'],
        ttlMs: HOUR,
      })
      const roots = ca.bundle().x509Authorities.map((a) => a.certDer)
      for (const purpose of ['sslclient', 'sslserver']) {
        const r = opensslVerify(svid.certChainDer, roots, clock.now(), ['-purpose', purpose])
        expect(r.out).toMatch(/: OK/)
        expect(r.code).toBe(0)
      }
      expect(opensslVerify(svid.certChainDer, roots, clock.now() + 2 * HOUR).code).not.toBe(0)
      const foreign = await makeTestCa({ keyOffset: 4 })
      const foreignRoots = foreign.ca.bundle().x509Authorities.map((a) => a.certDer)
      expect(opensslVerify(svid.certChainDer, foreignRoots, clock.now()).code).not.toBe(0)
    },
  )

  it('openssl x509 -text shows the leaf and CA profiles', async () => {
    const { ca } = await makeTestCa()
    const spkiDer = createPublicKey(fixtureKey('ec-p256', 4)).export({ format: 'der', type: 'spki' })
    const leaf = ca.signWorkloadX509SvidForKey({
      spkiDer,
      spiffeId: ID,
      dnsNames: ['api.example.org'],
      ttlMs: HOUR,
    })
    const text = openssl(['x509', '-noout', '-text'], certificatePem(leaf.certChainDer[0] as Buffer)).out
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/)
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Key Agreement/)
    expect(text).toMatch(
      /X509v3 Extended Key Usage:\s*\n\s+TLS Web Server Authentication, TLS Web Client Authentication/,
    )
    expect(text).toMatch(
      /X509v3 Subject Alternative Name:\s*\n\s+URI:spiffe:\/\/example.org\/ns\/prod\/sa\/api, DNS:api.example.org/,
    )
    expect(text).toMatch(/X509v3 Subject Key Identifier/)
    expect(text).toMatch(/X509v3 Authority Key Identifier/)
    expect(text).toMatch(/Serial Number:\s*\n\s+([0-9a-f]{2}:){15,16}[0-9a-f]{2}/)
    const caText = openssl(['x509', '-noout', '-text'], encodeBundlePem(ca.bundle())).out
    expect(caText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/)
    expect(caText).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/)
    expect(caText).toMatch(/URI:spiffe:\/\/example.org\n/)
    expect(caText).not.toMatch(/Extended Key Usage/)
    const empty = await makeTestCa({ leafSubject: 'empty' })
    const e = empty.ca.signWorkloadX509SvidForKey({ spkiDer, spiffeId: ID, ttlMs: HOUR })
    expect(openssl(['x509', '-noout', '-text'], certificatePem(e.certChainDer[0] as Buffer)).out).toMatch(
      /X509v3 Subject Alternative Name: critical/,
    )
  })

  it('openssl req -verify accepts CSRs from createCsr', () => {
    for (const type of ['ec-p256', 'ec-p384', 'rsa-2048'] as const) {
      const { csrDer } = createCsr(ID, type, { privateKey: fixtureKey(type, 1) })
      const dir = tmp()
      writeFileSync(join(dir, 'csr.der'), csrDer)
      const r = openssl(['req', '-inform', 'DER', '-in', join(dir, 'csr.der'), '-noout', '-verify', '-text'])
      expect(r.code).toBe(0)
      expect(r.out).toMatch(/verify OK/i)
      expect(r.out).toContain(`URI:${ID}`)
    }
  })

  it('upstream CA: chain carries our CA and the upstream intermediate, the bundle the upstream root', async () => {
    const dir = tmp()
    const sh = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    const ext =
      'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n'
    writeFileSync(join(dir, 'ca.ext'), ext)
    sh(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root.key'])
    sh([
      'req',
      '-x509',
      '-new',
      '-key',
      'root.key',
      '-subj',
      '/O=Upstream/CN=Upstream Root',
      '-days',
      '30',
      '-out',
      'root.pem',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ])
    sh(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'int.key.sec1'])
    sh(['pkcs8', '-topk8', '-nocrypt', '-in', 'int.key.sec1', '-out', 'int.key'])
    sh(['req', '-new', '-key', 'int.key', '-subj', '/O=Upstream/CN=Upstream Intermediate', '-out', 'int.csr'])
    sh([
      'x509',
      '-req',
      '-in',
      'int.csr',
      '-CA',
      'root.pem',
      '-CAkey',
      'root.key',
      '-CAcreateserial',
      '-days',
      '20',
      '-extfile',
      'ca.ext',
      '-out',
      'int.pem',
    ])
    const upstream = await loadUpstreamAuthority({
      certFile: join(dir, 'int.pem'),
      keyFile: join(dir, 'int.key'),
      bundleFile: join(dir, 'root.pem'),
    })
    const { ca, clock } = await makeTestCa({ upstream, startMs: Date.now() })
    const svid = ca.signWorkloadX509SvidForKey({
      spkiDer: createPublicKey(fixtureKey('ec-p256', 5)).export({ format: 'der', type: 'spki' }),
      spiffeId: ID,
      ttlMs: HOUR,
    })
    expect(svid.certChainDer).toHaveLength(3)
    const bundle = ca.bundle().x509Authorities.map((a) => a.certDer)
    expect(bundle).toHaveLength(1)
    expect(certificatePem(bundle[0] as Buffer)).toBe(readFileSync(join(dir, 'root.pem'), 'utf8'))
    const r = opensslVerify(svid.certChainDer, bundle, clock.now(), ['-purpose', 'sslclient'])
    expect(r.out).toMatch(/: OK/)
    await expect(
      verifyX509Svid(svid.certChainDer, () => ca.bundle().x509Authorities, clock.now()),
    ).resolves.toMatchObject({
      spiffeId: ID,
    })
    // rotation in upstream mode keeps the bundle (the roots) unchanged
    const seq = ca.bundle().sequence
    await ca.prepare('x509', 'test')
    await ca.activate('x509', 'test')
    expect(ca.bundle().sequence).toBe(seq)
    const after = ca.signWorkloadX509SvidForKey({
      spkiDer: createPublicKey(fixtureKey('ec-p256', 5)).export({ format: 'der', type: 'spki' }),
      spiffeId: ID,
      ttlMs: HOUR,
    })
    expect(opensslVerify(after.certChainDer, bundle, clock.now()).code).toBe(0)
  })
})
