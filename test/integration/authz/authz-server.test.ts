import { credentials, makeClientConstructor, Metadata, type Client, type ServiceError } from '@grpc/grpc-js'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDecisionLog } from '../../../engine/authz/decision-log.js'
import { authzServiceDefinition } from '../../../engine/authz/grpc-api.js'
import { JWT_BEARER_ASSERTION } from '../../../engine/authz/token-endpoint.js'
import type { EntryRecord } from '../../../engine/store/registration-store.js'
import { join } from 'node:path'
import { startHarness, TD, type Harness } from '../server/harness.js'

const WEB = `spiffe://${TD}/web`
const CALLER = `spiffe://${TD}/gateway`

function entry(id: string, spiffeId: string, roles: string[]): EntryRecord {
  return {
    id,
    kind: 'Entry',
    name: id,
    spiffeId,
    parentId: `spiffe://${TD}/agent`,
    selectors: ['unix:uid:1000'],
    x509SvidTtlSeconds: 0,
    jwtSvidTtlSeconds: 0,
    dnsNames: [],
    federatesWith: [],
    hint: '',
    admin: false,
    downstream: false,
    protect: false,
    roles,
    expiresAt: 0,
    sourceFile: '',
    sourceCommit: '',
  }
}

// the authz API on a real server: token endpoint, JWKS, Authorize, refresh on commit, decision log
describe('server authz API', () => {
  let h: Harness
  let base: string

  beforeAll(async () => {
    h = await startHarness('httpListen: 127.0.0.1:0\nauthz: { grpcListen: 127.0.0.1:0 }\n')
    const store = h.server.store
    const rev = await store.fetchRevision()
    await store.commitChanges({
      base: rev,
      atMs: h.clock.now(),
      audit: { actor: 'test', details: {}, changes: [] },
      writes: [
        {
          kind: 'role',
          action: 'create',
          role: { name: 'orders-client', description: '', scopes: ['read:orders'] },
        },
        { kind: 'entry', action: 'create', entry: entry('e1', WEB, ['orders-client']) },
        { kind: 'entry', action: 'create', entry: entry('e2', CALLER, []) },
      ],
    })
    await h.server.authz.authorizer.refresh()
    base = `http://127.0.0.1:${h.server.httpPort}`
  })
  afterAll(() => h.close())

  const svid = (audience: string, spiffeId = WEB) =>
    h.server.ca.signJwtSvid({ spiffeId, audience: [audience], ttlMs: 60_000 }).token

  it('issues an access token verifiable through /oauth2/jwks', async () => {
    const { urls } = h.server.authz
    expect(urls.tokenEndpointAudience).toBe(`https://127.0.0.1:${h.server.httpPort}/oauth2/token`)
    const res = await fetch(`${base}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: svid(urls.tokenEndpointAudience),
        scope: 'read:orders',
      }),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { access_token: string; expires_in: number }
    expect(body.expires_in).toBe(300)
    const jwks = (await (await fetch(`${base}/oauth2/jwks`)).json()) as never
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
      issuer: urls.issuer,
      audience: TD,
      currentDate: new Date(h.clock.now()),
    })
    expect(payload).toMatchObject({ sub: WEB, scope: 'read:orders' })
    const refused = await fetch(`${base}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: svid(urls.tokenEndpointAudience),
        scope: 'write:orders',
      }),
    })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_scope')
  })

  it('answers Authorize for an authenticated caller and follows store changes', async () => {
    const authorize = (body: unknown, token = svid(h.server.authz.urls.authorizeAudience, CALLER)) =>
      fetch(`${base}/v1/authorize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const allowed = await authorize({ spiffeId: WEB, scope: 'read:orders' })
    expect(await allowed.json()).toMatchObject({
      decision: 'allow',
      roles: ['orders-client'],
      reason: 'granted',
    })
    const batch = await authorize({
      checks: [
        { spiffeId: WEB, scope: 'write:orders' },
        { spiffeId: `spiffe://${TD}/nobody`, scope: 'read:orders' },
      ],
    })
    expect(((await batch.json()) as { results: { reason: string }[] }).results.map((r) => r.reason)).toEqual([
      'scope-not-granted',
      'unknown-spiffe-id',
    ])
    expect((await authorize({ spiffeId: WEB, scope: 'read:orders' }, svid('other'))).status).toBe(401)
    expect((await authorize({ nope: 1 })).status).toBe(400)

    const store = h.server.store
    await store.commitChanges({
      base: await store.fetchRevision(),
      atMs: h.clock.now(),
      audit: { actor: 'test', details: {}, changes: [] },
      writes: [{ kind: 'entry', action: 'update', entry: entry('e1', WEB, []) }],
    })
    await h.server.authz.authorizer.refresh()
    expect(await (await authorize({ spiffeId: WEB, scope: 'read:orders' })).json()).toMatchObject({
      decision: 'deny',
      reason: 'scope-not-granted',
    })
  })

  it('answers the gRPC Authorize API for an authenticated caller', async () => {
    const Ctor = makeClientConstructor(authzServiceDefinition(), 'Authorization')
    const client = new Ctor(
      `127.0.0.1:${h.server.authz.grpc?.port}`,
      credentials.createInsecure(),
    ) as unknown as Client & {
      Authorize(req: unknown, md: Metadata, cb: (err: ServiceError | null, res: unknown) => void): void
    }
    const call = (req: unknown, token: string) =>
      new Promise<{ err: ServiceError | null; res: unknown }>((resolve) => {
        const md = new Metadata()
        md.set('authorization', `Bearer ${token}`)
        client.Authorize(req, md, (err, res) => resolve({ err, res }))
      })
    try {
      const good = svid(h.server.authz.urls.authorizeAudience, CALLER)
      const ok = await call(
        {
          checks: [
            { spiffe_id: CALLER, scope: 'read:orders' },
            { spiffe_id: `spiffe://${TD}/nobody`, scope: 'x' },
          ],
        },
        good,
      )
      expect(ok.err).toBeNull()
      expect(ok.res).toEqual({
        results: [
          { spiffe_id: CALLER, scope: 'read:orders', allow: false, roles: [], reason: 'scope-not-granted' },
          {
            spiffe_id: `spiffe://${TD}/nobody`,
            scope: 'x',
            allow: false,
            roles: [],
            reason: 'unknown-spiffe-id',
          },
        ],
      })
      expect((await call({ checks: [{ spiffe_id: CALLER, scope: 'a' }] }, svid('other'))).err?.code).toBe(16)
      expect((await call({ checks: [] }, good)).err?.code).toBe(3)
    } finally {
      client.close()
    }
  })

  it('audits every decision and token in the decision log', () => {
    h.server.authz.decisions.flush()
    const records = readDecisionLog(join(h.dir, 'data', 'decisions.jsonl'))
    const decisions = records.filter((r) => r.type === 'decision')
    expect(decisions).toContainEqual(
      expect.objectContaining({
        spiffeId: WEB,
        scope: 'read:orders',
        decision: 'allow',
        roles: ['orders-client'],
      }),
    )
    expect(decisions).toContainEqual(
      expect.objectContaining({ spiffeId: WEB, scope: 'write:orders', decision: 'deny', roles: [] }),
    )
    expect(records.filter((r) => r.type === 'token')).toHaveLength(1)
    expect(records.filter((r) => r.type === 'token-refused')).toHaveLength(1)
  })
})
