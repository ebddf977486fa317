import { describe, expect, it } from 'vitest'
import { SvidCache } from '../../../../agent/svid/svid-cache.js'
import { MINUTE_MS } from '../../../../engine/core/clock.js'
import { makeTestCa } from '../../../fixtures/ca/test-ca.js'
import { entry, svidFingerprint, syncOf } from './support.js'

async function setup() {
  const { ca, clock } = await makeTestCa()
  const minted: { entryId: string; audience: readonly string[] }[] = []
  let down = false
  const cache = new SvidCache({
    clock,
    mintJwtSvid: async (entryId, audience) => {
      if (down) throw new Error('server down')
      minted.push({ entryId, audience })
      const e = cache.state.entries.get(entryId)
      const jwt = ca.signJwtSvid({
        spiffeId: e?.spiffeId as string,
        audience: [...audience],
        ttlMs: 10 * MINUTE_MS,
      })
      return { token: jwt.token, expiresAtMs: jwt.expiresAtMs }
    },
  })
  return { ca, clock, cache, minted, setDown: (v: boolean) => (down = v) }
}

const storeFor = (cache: SvidCache, id: string, notAfterMs: number) => {
  const e = cache.state.entries.get(id)
  if (!e) throw new Error('no entry')
  cache.storeSvids([
    {
      entryId: id,
      spiffeId: e.spiffeId,
      certChainDer: [Buffer.from('cert')],
      privateKeyPkcs8Der: Buffer.from('key'),
      notBeforeMs: 0,
      notAfterMs,
      fingerprint: svidFingerprint(e),
      jitter: 0,
    },
  ])
}

describe('SvidCache as an IdentitySource', () => {
  it('notifies on syncs that change something, on new SVIDs and on expiry', async () => {
    const { ca, clock, cache } = await setup()
    let calls = 0
    const unsubscribe = cache.subscribe(new Set(['unix:uid:1001']), () => calls++)
    expect(cache.localBundle()).toBeUndefined()
    cache.applySync(syncOf(ca, [entry('web')]))
    expect(calls).toBe(1)
    expect(cache.localBundle()?.trustDomain).toBe('example.org')
    expect(cache.localBundle()?.jwtAuthorities[0]?.publicKeyJwk.kty).toBe('EC')
    cache.applySync(syncOf(ca, [entry('web')], 2))
    expect(calls).toBe(1)
    storeFor(cache, 'web', clock.now() + 1000)
    expect(calls).toBe(2)
    cache.checkExpiry()
    expect(calls).toBe(2)
    clock.advance(1000)
    cache.checkExpiry()
    expect(calls).toBe(3)
    expect(cache.identitiesFor(new Set(['unix:uid:1001']))).toEqual([])
    unsubscribe()
    expect(cache.subscriberCount).toBe(0)
  })

  it('caches JWT-SVIDs per (SPIFFE ID, sorted audiences) until half their lifetime', async () => {
    const { ca, clock, cache, minted, setDown } = await setup()
    cache.applySync(syncOf(ca, [entry('web')]))
    storeFor(cache, 'web', clock.now() + 60 * MINUTE_MS)
    const [identity] = cache.identitiesFor(new Set(['unix:uid:1001']))
    if (!identity) throw new Error('no identity')
    const [a, b] = await Promise.all([
      cache.fetchJwtSvid(identity, ['b', 'a']),
      cache.fetchJwtSvid(identity, ['a', 'b']),
    ])
    expect(a.token).toBe(b.token)
    expect(minted).toHaveLength(1)
    await cache.fetchJwtSvid(identity, ['c'])
    expect(minted).toHaveLength(2)
    clock.advance(4 * MINUTE_MS)
    expect((await cache.fetchJwtSvid(identity, ['a', 'b'])).token).toBe(a.token)
    clock.advance(2 * MINUTE_MS)
    const renewed = await cache.fetchJwtSvid(identity, ['a', 'b'])
    expect(minted).toHaveLength(3)
    setDown(true)
    clock.advance(6 * MINUTE_MS) // past half life, server down: the cached token until it expires
    expect((await cache.fetchJwtSvid(identity, ['a', 'b'])).token).toBe(renewed.token)
    clock.advance(5 * MINUTE_MS)
    await expect(cache.fetchJwtSvid(identity, ['a', 'b'])).rejects.toThrow('server down')
  })

  it('validates JWT-SVIDs against the synced bundle', async () => {
    const { ca, cache } = await setup()
    cache.applySync(syncOf(ca, [entry('web')]))
    const jwt = ca.signJwtSvid({ spiffeId: 'spiffe://example.org/web', audience: ['api'], ttlMs: MINUTE_MS })
    await expect(cache.validateJwtSvid(jwt.token, 'api')).resolves.toMatchObject({
      spiffeId: 'spiffe://example.org/web',
    })
    await expect(cache.validateJwtSvid(jwt.token, 'other')).rejects.toMatchObject({
      code: 'ERR_CA_JWT_INVALID',
    })
  })
})
