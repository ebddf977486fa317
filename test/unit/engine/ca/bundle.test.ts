import { beforeAll, describe, expect, it } from 'vitest'
import {
  encodeBundleJson,
  encodeBundlePem,
  encodeJwks,
  parseBundleJson,
  parseBundlePem,
  type TrustBundle,
} from '../../../../engine/ca/bundle.js'
import { makeTestCa, TD } from '../../../fixtures/ca/test-ca.js'

function reasonOf(fn: () => unknown): string {
  try {
    fn()
    return 'ok'
  } catch (err) {
    return `${(err as { code: string }).code}:${(err as { data: { reason: string } }).data.reason}`
  }
}

describe('trust bundles (spiffe-reference §2.4, §4.1)', () => {
  let bundle: TrustBundle
  let doc: { keys: Record<string, unknown>[]; spiffe_sequence: number; spiffe_refresh_hint: number }
  beforeAll(async () => {
    const t = await makeTestCa()
    await t.ca.prepare('x509', 'test')
    await t.ca.prepare('jwt', 'test')
    bundle = t.ca.bundle()
    doc = JSON.parse(encodeBundleJson(bundle)) as typeof doc
  })

  it('encodes x509-svid keys with exactly one x5c and no kid, jwt-svid keys with a kid', () => {
    const x = doc.keys.filter((k) => k['use'] === 'x509-svid')
    const j = doc.keys.filter((k) => k['use'] === 'jwt-svid')
    expect(x).toHaveLength(2)
    expect(j).toHaveLength(2)
    for (const k of x) {
      expect(k['kid']).toBeUndefined()
      expect(k['x5c']).toHaveLength(1)
      expect(k['kty']).toBe('EC')
    }
    for (const k of j) expect(typeof k['kid']).toBe('string')
    expect(doc.keys.indexOf(x[0] as Record<string, unknown>)).toBe(0)
    expect(doc.spiffe_sequence).toBe(bundle.sequence)
    expect(doc.spiffe_refresh_hint).toBe(300)
  })

  it('round-trips JSON and PEM through the strict parsers', () => {
    const back = parseBundleJson(encodeBundleJson(bundle), TD)
    expect(back.x509Authorities.map((a) => a.certDer.toString('hex'))).toEqual(
      bundle.x509Authorities.map((a) => a.certDer.toString('hex')),
    )
    expect(back.jwtAuthorities.map((a) => [a.kid, a.publicKeySpkiDer.toString('hex')])).toEqual(
      bundle.jwtAuthorities.map((a) => [a.kid, a.publicKeySpkiDer.toString('hex')]),
    )
    expect(back.sequence).toBe(bundle.sequence)
    expect(back.refreshHintSeconds).toBe(300)
    const pem = parseBundlePem(encodeBundlePem(bundle), TD)
    expect(pem.x509Authorities.map((a) => a.certDer.toString('hex'))).toEqual(
      bundle.x509Authorities.map((a) => a.certDer.toString('hex')),
    )
  })

  it('encodes a JWKS for OIDC with kid, alg and use=sig', () => {
    const jwks = encodeJwks(bundle.jwtAuthorities)
    expect(jwks.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: bundle.jwtAuthorities[0]?.kid,
    })
  })

  const mutate = (fn: (d: typeof doc) => unknown): string => {
    const copy = structuredClone(doc)
    fn(copy)
    return JSON.stringify(copy)
  }

  const cases: [string, () => string][] = [
    ['json', () => '{'],
    ['not-an-object', () => '[]'],
    ['keys-missing', () => mutate((d) => delete (d as Partial<typeof d>).keys)],
    ['x5c-count', () => mutate((d) => (d.keys[0]!['x5c'] = []))],
    [
      'x5c-count',
      () =>
        mutate(
          (d) =>
            (d.keys[0]!['x5c'] = [...(d.keys[0]!['x5c'] as string[]), ...(d.keys[0]!['x5c'] as string[])]),
        ),
    ],
    ['x509-svid-kid-set', () => mutate((d) => (d.keys[0]!['kid'] = 'k'))],
    ['x5c-invalid', () => mutate((d) => (d.keys[0]!['x5c'] = ['AAAA']))],
    ['x5c-key-mismatch', () => mutate((d) => (d.keys[0]!['x5c'] = d.keys[1]!['x5c']))],
    ['kid-missing', () => mutate((d) => delete d.keys[2]!['kid'])],
    ['kid-duplicate', () => mutate((d) => (d.keys[3]!['kid'] = d.keys[2]!['kid']))],
    ['jwk-invalid', () => mutate((d) => (d.keys[2]!['x'] = 'AAAA'))],
    ['kty-missing', () => mutate((d) => delete d.keys[2]!['kty'])],
    ['sequence-invalid', () => mutate((d) => ((d as Record<string, unknown>)['spiffe_sequence'] = -1))],
    [
      'refresh-hint-invalid',
      () => mutate((d) => ((d as Record<string, unknown>)['spiffe_refresh_hint'] = '5m')),
    ],
  ]
  it.each(cases)('rejects %s', (reason, make) => {
    expect(reasonOf(() => parseBundleJson(make(), TD))).toBe(`ERR_CA_BUNDLE:${reason}`)
  })

  it('ignores keys with an unknown or missing use and unknown kty; accepts empty keys (revocation)', () => {
    const text = mutate((d) => {
      d.keys.push(
        { kty: 'EC', use: 'wit-svid', crv: 'P-256' },
        { kty: 'EC' },
        { kty: 'oct', use: 'jwt-svid', k: 'AA' },
      )
    })
    const b = parseBundleJson(text, TD)
    expect(b.x509Authorities).toHaveLength(2)
    expect(b.jwtAuthorities).toHaveLength(2)
    const empty = parseBundleJson('{"keys":[]}', TD)
    expect(empty.x509Authorities).toHaveLength(0)
    expect(empty.sequence).toBe(0)
  })

  it('rejects PEM with other blocks, stray text or no certificate', () => {
    const pem = encodeBundlePem(bundle)
    expect(reasonOf(() => parseBundlePem('', TD))).toBe('ERR_CA_BUNDLE:pem-empty')
    expect(reasonOf(() => parseBundlePem(pem + 'junk', TD))).toBe('ERR_CA_BUNDLE:pem-stray-text')
    expect(reasonOf(() => parseBundlePem(pem.replace(/CERTIFICATE/g, 'PRIVATE KEY'), TD))).toBe(
      'ERR_CA_BUNDLE:pem-not-certificate',
    )
  })
})
