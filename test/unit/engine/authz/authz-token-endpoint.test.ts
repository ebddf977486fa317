import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAccessTokenSigner } from '../../../../engine/authz/access-token.js'
import { compileAuthz, decide } from '../../../../engine/authz/engine.js'
import {
  exchangeToken,
  handleTokenRequest,
  JWT_BEARER_ASSERTION,
  type IssuedToken,
  type TokenEndpointOptions,
} from '../../../../engine/authz/token-endpoint.js'
import { fixtureKey } from '../../../fixtures/ca/key-source.js'
import { makeTestCa, TD, type TestCa } from '../../../fixtures/ca/test-ca.js'
import { seededRandom } from '../../../support/seeded-random.js'

const TOKEN_URL = 'https://sigil.example.org/oauth2/token'
const WEB = `spiffe://${TD}/web`
const compiled = compileAuthz({
  entries: [{ spiffeId: WEB, roles: ['orders-client'] }],
  roles: [{ name: 'orders-client', scopes: ['read:orders', 'write:orders'] }],
})

describe('POST /oauth2/token', () => {
  let t: TestCa
  let options: TokenEndpointOptions
  const issued: IssuedToken[] = []
  const refused: string[] = []
  const decisions: string[] = []
  const signer = createAccessTokenSigner({ kid: 'at-1', privateKey: fixtureKey('ec-p256', 3) })

  beforeAll(async () => {
    t = await makeTestCa()
    options = {
      issuer: 'https://sigil.example.org',
      assertionAudience: TOKEN_URL,
      defaultAudience: TD,
      ttlMs: 300_000,
      bundles: (td) => (td === TD ? t.ca.bundle().jwtAuthorities : undefined),
      authorizer: {
        check: (id, scope) => {
          const d = decide(compiled, id, scope)
          decisions.push(`${scope}:${d.allow ? 'allow' : 'deny'}`)
          return d
        },
      },
      signer,
      clock: t.clock,
      random: seededRandom(1),
      onIssued: (x) => issued.push(x),
      onRefused: (r) => refused.push(r.error),
    }
  })

  const svid = (audience = TOKEN_URL, spiffeId = WEB, ttlMs = 60_000) =>
    t.ca.signJwtSvid({ spiffeId, audience: [audience], ttlMs }).token
  const form = (fields: Record<string, string>) =>
    new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER_ASSERTION,
      ...fields,
    })

  it('exchanges a real JWT-SVID for a token with exactly the requested scopes, verifiable via the JWKS', async () => {
    const out = await exchangeToken(form({ client_assertion: svid(), scope: 'read:orders' }), options)
    expect(out.status).toBe(200)
    expect(out.body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'read:orders' })
    const { payload, protectedHeader } = await jwtVerify(
      out.body['access_token'] as string,
      createLocalJWKSet(signer.jwks() as never),
      { issuer: 'https://sigil.example.org', audience: TD, currentDate: new Date(t.clock.now()) },
    )
    expect(protectedHeader).toMatchObject({ kid: 'at-1', typ: 'at+jwt' })
    expect(payload).toMatchObject({ sub: WEB, scope: 'read:orders' })
    expect((payload.exp as number) - (payload.iat as number)).toBe(300)
    expect(typeof payload.jti).toBe('string')
    expect(issued.at(-1)).toMatchObject({ spiffeId: WEB, scopes: ['read:orders'], jti: payload.jti })
  })

  it('uses the requested audience', async () => {
    const out = await exchangeToken(
      form({ client_assertion: svid(), scope: 'read:orders write:orders', audience: 'orders-api' }),
      options,
    )
    expect(out.body['scope']).toBe('read:orders write:orders')
    const claims = JSON.parse(
      Buffer.from((out.body['access_token'] as string).split('.')[1] as string, 'base64url').toString(),
    ) as Record<string, unknown>
    expect(claims['aud']).toBe('orders-api')
  })

  it('refuses an ungranted scope with invalid_scope, deciding every requested scope', async () => {
    decisions.length = 0
    const out = await exchangeToken(
      form({ client_assertion: svid(), scope: 'read:orders delete:orders' }),
      options,
    )
    expect(out).toEqual({
      status: 400,
      body: { error: 'invalid_scope', error_description: 'not granted: delete:orders' },
    })
    expect(decisions).toEqual(['read:orders:allow', 'delete:orders:deny'])
    expect(refused.at(-1)).toBe('invalid_scope')
  })

  it('refuses an expired JWT-SVID with invalid_client', async () => {
    const expired = svid(TOKEN_URL, WEB, 10_000)
    t.clock.advance(10_000 + 120_000)
    const out = await exchangeToken(form({ client_assertion: expired, scope: 'read:orders' }), options)
    expect(out.status).toBe(401)
    expect(out.body).toMatchObject({
      error: 'invalid_client',
      error_description: 'client assertion rejected: expired',
    })
  })

  it('refuses a JWT-SVID for another audience with invalid_client', async () => {
    const out = await exchangeToken(
      form({ client_assertion: svid('https://other.example.org/token'), scope: 'read:orders' }),
      options,
    )
    expect(out.body).toMatchObject({
      error: 'invalid_client',
      error_description: 'client assertion rejected: aud-mismatch',
    })
  })

  it('refuses a forged or foreign assertion, a wrong client_id, a bad grant and a missing scope', async () => {
    const good = svid()
    const forged = `${good.slice(0, good.lastIndexOf('.'))}.${Buffer.alloc(64).toString('base64url')}`
    expect(
      (await exchangeToken(form({ client_assertion: forged, scope: 'read:orders' }), options)).body['error'],
    ).toBe('invalid_client')
    expect(
      (
        await exchangeToken(
          form({ client_assertion: good, scope: 'read:orders', client_id: 'spiffe://x/y' }),
          options,
        )
      ).body['error'],
    ).toBe('invalid_client')
    const wrongGrant = form({ client_assertion: good, scope: 'read:orders' })
    wrongGrant.set('grant_type', 'password')
    expect((await exchangeToken(wrongGrant, options)).body['error']).toBe('unsupported_grant_type')
    expect((await exchangeToken(form({ client_assertion: good }), options)).body['error']).toBe(
      'invalid_scope',
    )
    const noType = form({ client_assertion: good, scope: 'read:orders' })
    noType.delete('client_assertion_type')
    expect((await exchangeToken(noType, options)).status).toBe(401)
  })

  describe('over HTTP', () => {
    let server: Server
    let url: string
    beforeAll(async () => {
      server = createServer((req, res) => void handleTokenRequest(req, res, options))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`
    })
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

    it('answers form posts with no-store JSON and refuses other content types', async () => {
      const ok = await fetch(url, {
        method: 'POST',
        body: form({ client_assertion: svid(), scope: 'read:orders' }),
      })
      expect(ok.status).toBe(200)
      expect(ok.headers.get('cache-control')).toBe('no-store')
      expect(((await ok.json()) as Record<string, unknown>)['scope']).toBe('read:orders')
      const json = await fetch(url, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      })
      expect(json.status).toBe(400)
      const bad = await fetch(url, { method: 'POST', body: form({ client_assertion: 'x.y.z', scope: 'a' }) })
      expect(bad.status).toBe(401)
      expect(bad.headers.get('www-authenticate')).toBe('Bearer')
    })
  })
})
