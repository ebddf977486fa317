import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseBundleJson, parseBundlePem } from '../../../engine/ca/bundle.js'
import { validateJwtSvid } from '../../../engine/ca/validate-jwt-svid.js'
import { runSigil, type CliResult } from '../../support/cli.js'
import { openssl, tmp } from '../../fixtures/ca/test-ca.js'

const TD = 'example.org'
const ID = `spiffe://${TD}/web`
const mode = (p: string) => statSync(p).mode & 0o777

describe('sigil ca / bundle / x509 / jwt', () => {
  it('creates the CA on first use, mints SVIDs that OpenSSL and the validators accept, rotates on request', async () => {
    const cwd = tmp('sigil-cli-')
    const outputs: CliResult[] = []
    const sigil = async (...args: string[]) => {
      const r = await runSigil(args, { cwd })
      outputs.push(r)
      return r
    }

    const first = await sigil('x509', 'mint', '--spiffe-id', ID, '--out', 'svid')
    expect(first.code).toBe(1)
    expect(first.stderr).toContain('ERR_CA_NOT_READY')

    const mint = await sigil(
      'x509',
      'mint',
      '--trust-domain',
      TD,
      '--spiffe-id',
      ID,
      '--dns',
      'web.example.org',
      '--dns',
      'web',
      '--ttl',
      '30m',
      '--out',
      'svid',
    )
    expect(mint.code).toBe(0)
    const out = join(cwd, 'svid')
    expect(readdirSync(out).sort()).toEqual(['bundle.pem', 'svid.key.pem', 'svid.pem'])
    expect(mode(join(out, 'svid.key.pem'))).toBe(0o600)
    expect(mode(join(cwd, '.sigil'))).toBe(0o700)
    expect(mode(join(cwd, '.sigil', 'keys'))).toBe(0o700)
    for (const f of readdirSync(join(cwd, '.sigil', 'keys')))
      expect(mode(join(cwd, '.sigil', 'keys', f))).toBe(0o600)
    expect(mode(join(cwd, '.sigil', 'ca', 'journal.json'))).toBe(0o600)

    const verify = openssl([
      'verify',
      '-x509_strict',
      '-purpose',
      'sslclient',
      '-CAfile',
      join(out, 'bundle.pem'),
      join(out, 'svid.pem'),
    ])
    expect(verify.code).toBe(0)
    const cert = new X509Certificate(readFileSync(join(out, 'svid.pem')))
    expect(cert.subjectAltName).toBe(`URI:${ID}, DNS:web.example.org, DNS:web`)
    const key = createPrivateKey(readFileSync(join(out, 'svid.key.pem')))
    expect(cert.checkPrivateKey(key)).toBe(true)
    expect(Date.parse(cert.validTo) - Date.parse(cert.validFrom)).toBe(30 * 60_000 + 10_000)

    const jwt = await sigil('jwt', 'mint', '--spiffe-id', ID, '--audience', 'api')
    expect(jwt.code).toBe(0)
    const spiffe = await sigil('bundle', 'show', '--format', 'spiffe')
    expect(spiffe.code).toBe(0)
    const bundle = parseBundleJson(spiffe.stdout, TD)
    const validated = await validateJwtSvid(jwt.stdout.trim(), {
      audience: 'api',
      bundles: (td) => (td === TD ? bundle.jwtAuthorities : undefined),
      nowMs: Date.now(),
    })
    expect(validated.spiffeId).toBe(ID)
    const pem = await sigil('bundle', 'show')
    expect(pem.code, pem.stderr).toBe(0)
    expect(parseBundlePem(pem.stdout, TD).x509Authorities).toHaveLength(1)
    expect(pem.stdout).toBe(readFileSync(join(out, 'bundle.pem'), 'utf8'))

    expect(
      await sigil('x509', 'mint', '--trust-domain', 'other.org', '--spiffe-id', ID, '--out', 'x'),
    ).toMatchObject({ code: 1 })
    expect((await sigil('ca', 'rotate')).code).toBe(2)

    const prepare = await sigil('ca', 'rotate', '--prepare')
    expect(prepare.code).toBe(0)
    expect((await sigil('ca', 'rotate', '--activate', '--x509')).code).toBe(0)
    const after = await sigil('x509', 'mint', '--spiffe-id', ID, '--out', 'svid2')
    expect(after.code).toBe(0)
    const before = new X509Certificate(readFileSync(join(out, 'svid.pem')))
    const next = new X509Certificate(readFileSync(join(cwd, 'svid2', 'svid.pem')))
    expect(next.issuer).not.toBe(before.issuer)
    // the new bundle carries both CAs, so the old SVID still verifies against it
    expect(
      parseBundlePem(readFileSync(join(cwd, 'svid2', 'bundle.pem'), 'utf8'), TD).x509Authorities,
    ).toHaveLength(2)
    expect(openssl(['verify', '-CAfile', join(cwd, 'svid2', 'bundle.pem'), join(out, 'svid.pem')]).code).toBe(
      0,
    )

    const show = await sigil('ca', 'show', '--format', 'json')
    const journal = JSON.parse(show.stdout) as {
      audit: { action: string; actor: string; authority: string }[]
    }
    expect(
      journal.audit.filter((a) => a.actor.startsWith('cli:')).map((a) => `${a.action}:${a.authority}`),
    ).toEqual(['prepare:x509', 'prepare:jwt', 'activate:x509'])

    // keys never reach the terminal
    for (const r of outputs) expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY/)
    const keyPem = key.export({ format: 'pem', type: 'pkcs8' }) as string
    expect(createPublicKey(keyPem).export({ format: 'der', type: 'spki' }).length).toBeGreaterThan(0)
  })
})
