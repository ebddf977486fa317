import { createPublicKey, sign } from 'node:crypto'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import type { JwtAuthority } from '../../../../engine/ca/bundle.js'
import { validateJwtSvid } from '../../../../engine/ca/validate-jwt-svid.js'
import { fixtureKey } from '../../../fixtures/ca/key-source.js'
import { makeTestCa, TD, type TestCa } from '../../../fixtures/ca/test-ca.js'

const ID = `spiffe://${TD}/web`
const KEY = fixtureKey('ec-p256', 14)
const AUTH: JwtAuthority = {
  kid: 'k1',
  publicKeySpkiDer: createPublicKey(KEY).export({ format: 'der', type: 'spki' }),
}
const NOW = Date.UTC(2026, 0, 1)
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

function token(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(claims)}`
  const sig = sign('sha256', Buffer.from(input), { key: KEY, dsaEncoding: 'ieee-p1363' })
  return `${input}.${sig.toString('base64url')}`
}

const HEADER = { alg: 'ES256', kid: 'k1', typ: 'JWT' }
const CLAIMS = { sub: ID, aud: ['api'], exp: NOW / 1000 + 300, iat: NOW / 1000 }
const bundles = (td: string) => (td === TD ? [AUTH] : undefined)

async function reasonOf(
  t: string,
  overrides: Partial<Parameters<typeof validateJwtSvid>[1]> = {},
): Promise<string> {
  try {
    await validateJwtSvid(t, { audience: 'api', bundles, nowMs: NOW, ...overrides })
    return 'ok'
  } catch (err) {
    expect((err as { code: string }).code).toBe('ERR_CA_JWT_INVALID')
    return (err as { data: { reason: string } }).data.reason
  }
}

describe('validateJwtSvid (spiffe-reference §3.2, in order)', () => {
  it('accepts a valid token and returns the SPIFFE ID and claims', async () => {
    const r = await validateJwtSvid(token(HEADER, CLAIMS), { audience: 'api', bundles, nowMs: NOW })
    expect(r.spiffeId).toBe(ID)
    expect(r.claims['aud']).toEqual(['api'])
    expect(await reasonOf(token(HEADER, { ...CLAIMS, aud: 'api' }))).toBe('ok')
    expect(await reasonOf(token({ ...HEADER, typ: 'JOSE' }, CLAIMS))).toBe('ok')
    expect(await reasonOf(token({ alg: 'ES256', kid: 'k1' }, CLAIMS))).toBe('ok')
  })

  const cases: [string, () => string][] = [
    ['malformed', () => 'a.b'],
    ['malformed', () => `!!.${b64(CLAIMS)}.x`],
    ['alg-not-allowed', () => `${b64({ alg: 'none', kid: 'k1' })}.${b64(CLAIMS)}.`],
    ['alg-not-allowed', () => token({ ...HEADER, alg: 'HS256' }, CLAIMS)],
    ['alg-not-allowed', () => token({ ...HEADER, alg: 'EdDSA' }, CLAIMS)],
    ['typ-invalid', () => token({ ...HEADER, typ: 'at+jwt' }, CLAIMS)],
    ['kid-missing', () => token({ alg: 'ES256', typ: 'JWT' }, CLAIMS)],
    ['sub-missing', () => token(HEADER, { ...CLAIMS, sub: undefined })],
    ['sub-invalid', () => token(HEADER, { ...CLAIMS, sub: 'spiffe://Example.org/web' })],
    ['exp-missing', () => token(HEADER, { ...CLAIMS, exp: undefined })],
    ['bundle-not-found', () => token(HEADER, { ...CLAIMS, sub: 'spiffe://other.org/web' })],
    ['key-not-found', () => token({ ...HEADER, kid: 'k2' }, CLAIMS)],
    ['signature-invalid', () => token(HEADER, CLAIMS).slice(0, -4) + 'AAAA'],
    ['signature-invalid', () => token({ ...HEADER, alg: 'ES384' }, CLAIMS)],
    ['aud-missing', () => token(HEADER, { ...CLAIMS, aud: [] })],
    ['aud-missing', () => token(HEADER, { ...CLAIMS, aud: undefined })],
    ['aud-mismatch', () => token(HEADER, { ...CLAIMS, aud: ['other'] })],
    ['expired', () => token(HEADER, { ...CLAIMS, exp: NOW / 1000 - 61 })],
    ['not-yet-valid', () => token(HEADER, { ...CLAIMS, nbf: NOW / 1000 + 61 })],
    ['issued-in-future', () => token(HEADER, { ...CLAIMS, iat: NOW / 1000 + 61 })],
  ]
  it.each(cases)('rejects: %s', async (reason, make) => {
    expect(await reasonOf(make())).toBe(reason)
  })

  it('allows a small leeway on exp (default 60 s, configurable)', async () => {
    const t = token(HEADER, { ...CLAIMS, exp: NOW / 1000 - 30 })
    expect(await reasonOf(t)).toBe('ok')
    expect(await reasonOf(t, { leewayMs: 0 })).toBe('expired')
  })

  it('checks alg before any bundle lookup or crypto', async () => {
    let looked = false
    const t = `${b64({ alg: 'none', kid: 'k1' })}.${b64(CLAIMS)}.`
    expect(
      await reasonOf(t, {
        bundles: () => {
          looked = true
          return [AUTH]
        },
      }),
    ).toBe('alg-not-allowed')
    expect(looked).toBe(false)
  })
})

describe('minted JWT-SVIDs (spiffe-reference §3.1)', () => {
  let t: TestCa
  beforeAll(async () => {
    t = await makeTestCa({ jwtIssuer: 'https://oidc.example.org' })
  })

  it('have kid and typ JWT, sub, aud array, exp, iat, and verify with jose and validateJwtSvid', async () => {
    const svid = t.ca.signJwtSvid({ spiffeId: ID, audience: ['api', ''], ttlMs: 300_000 })
    expect(decodeProtectedHeader(svid.token)).toEqual({ alg: 'ES256', kid: svid.kid, typ: 'JWT' })
    const authority = t.ca.bundle().jwtAuthorities[0] as JwtAuthority
    const key = createPublicKey({ key: authority.publicKeySpkiDer, format: 'der', type: 'spki' })
    const { payload } = await jwtVerify(svid.token, key, {
      audience: 'api',
      currentDate: new Date(t.clock.now()),
    })
    expect(payload).toEqual({
      sub: ID,
      aud: ['api'],
      exp: t.clock.now() / 1000 + 300,
      iat: t.clock.now() / 1000,
      iss: 'https://oidc.example.org',
    })
    const r = await validateJwtSvid(svid.token, {
      audience: 'api',
      bundles: (td) => (td === TD ? t.ca.bundle().jwtAuthorities : undefined),
      nowMs: t.clock.now(),
    })
    expect(r.spiffeId).toBe(ID)
  })

  it('cap the TTL at the signing key expiry', () => {
    const svid = t.ca.signJwtSvid({ spiffeId: ID, audience: ['api'], ttlMs: 1000 * 3_600_000 })
    const keyExpiry = t.ca.bundle().jwtAuthorities[0]?.expiresAtMs as number
    expect(svid.expiresAtMs).toBe(Math.floor(keyExpiry / 1000) * 1000)
  })

  it.each([
    ['audience', { audience: [''] }],
    ['spiffe-id', { spiffeId: `spiffe://${TD}` }],
    ['trust-domain', { spiffeId: 'spiffe://other.org/web' }],
    ['ttl', { ttlMs: 0 }],
  ] as const)('refuse bad requests: %s', (reason, o) => {
    expect(() => t.ca.signJwtSvid({ spiffeId: ID, audience: ['api'], ttlMs: 60_000, ...o })).toThrow(
      expect.objectContaining({ code: 'ERR_CA_INVALID_REQUEST', data: { reason } }),
    )
  })

  it.each(['ec-p384', 'rsa-2048'] as const)('use the alg of the key type (%s)', async (jwtKeyType) => {
    const other = await makeTestCa({ jwtKeyType })
    const svid = other.ca.signJwtSvid({ spiffeId: ID, audience: ['api'], ttlMs: 60_000 })
    expect(decodeProtectedHeader(svid.token).alg).toBe(jwtKeyType === 'ec-p384' ? 'ES384' : 'RS256')
    const r = await validateJwtSvid(svid.token, {
      audience: 'api',
      bundles: () => other.ca.bundle().jwtAuthorities,
      nowMs: other.clock.now(),
    })
    expect(r.spiffeId).toBe(ID)
  })
})
