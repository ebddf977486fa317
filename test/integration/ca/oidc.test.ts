import type { AddressInfo } from 'node:net'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOidcServer, OIDC_DISCOVERY_PATH } from '../../../engine/api/oidc.js'
import type { CertificateAuthority } from '../../../engine/ca/certificate-authority.js'
import { makeTestCa, TD } from '../../fixtures/ca/test-ca.js'
import type { FakeClock } from '../../support/fake-clock.js'

const ISSUER = 'https://oidc.example.org'
const ID = `spiffe://${TD}/web`

describe('OIDC discovery and JWKS over HTTP', () => {
  let ca: CertificateAuthority
  let clock: FakeClock
  let base: string
  let close: () => Promise<void>

  beforeAll(async () => {
    ;({ ca, clock } = await makeTestCa({ jwtIssuer: ISSUER, startMs: Date.now() }))
    const server = createOidcServer({ issuer: ISSUER, jwtAuthorities: () => ca.bundle().jwtAuthorities })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = () => new Promise((resolve) => server.close(() => resolve()))
  })
  afterAll(() => close())

  it('serves the discovery document and a JWKS that jose uses to verify JWT-SVIDs', async () => {
    const res = await fetch(`${base}${OIDC_DISCOVERY_PATH}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    const doc = (await res.json()) as Record<string, unknown>
    expect(doc).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/keys`,
      id_token_signing_alg_values_supported: ['ES256'],
      subject_types_supported: ['public'],
    })
    const token = ca.signJwtSvid({ spiffeId: ID, audience: ['api'], ttlMs: 300_000 }).token
    const jwks = createRemoteJWKSet(new URL(`${base}/keys`))
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: ISSUER,
      audience: 'api',
      currentDate: new Date(clock.now()),
      typ: 'JWT',
    })
    expect(payload.sub).toBe(ID)
    expect(protectedHeader.kid).toBe(ca.bundle().jwtAuthorities[0]?.kid)
  })

  it('publishes a prepared key at once, so tokens of the next key verify after activation', async () => {
    await ca.prepare('jwt', 'test')
    const keys = ((await (await fetch(`${base}/keys`)).json()) as { keys: { kid: string; use: string }[] })
      .keys
    expect(keys).toHaveLength(2)
    expect(keys.every((k) => k.use === 'sig')).toBe(true)
    await ca.activate('jwt', 'test')
    const token = ca.signJwtSvid({ spiffeId: ID, audience: ['api'], ttlMs: 300_000 }).token
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${base}/keys`)), {
      audience: 'api',
      currentDate: new Date(clock.now()),
    })
    expect(payload.sub).toBe(ID)
  })

  it('answers 405 to other methods and 404 elsewhere', async () => {
    expect((await fetch(`${base}/keys`, { method: 'POST' })).status).toBe(405)
    expect((await fetch(`${base}/other`)).status).toBe(404)
  })
})
