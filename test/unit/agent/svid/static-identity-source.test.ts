import { describe, expect, it } from 'vitest'
import { entryMatches } from '../../../../agent/svid/match.js'
import { FakeClock } from '../../../support/fake-clock.js'
import { EXAMPLE_BUNDLE, fixtureSource, identity } from '../../../fixtures/workload/fixtures.js'

describe('entryMatches', () => {
  it('needs every entry selector in the workload set, and at least one', () => {
    const workload = new Set(['unix:uid:1', 'unix:gid:2'])
    expect(entryMatches(['unix:uid:1'], workload)).toBe(true)
    expect(entryMatches(['unix:uid:1', 'unix:gid:2'], workload)).toBe(true)
    expect(entryMatches(['unix:uid:1', 'unix:gid:3'], workload)).toBe(false)
    expect(entryMatches([], workload)).toBe(false)
  })
})

describe('StaticIdentitySource', () => {
  it('orders identities oldest first and notifies subscribers on set', () => {
    const source = fixtureSource(
      { identities: [], localBundle: EXAMPLE_BUNDLE, federatedBundles: [] },
      () => 0,
    )
    let calls = 0
    const unsubscribe = source.subscribe(new Set(), () => calls++)
    source.set({
      identities: [
        identity('b', 'workload-b', ['s:1'], { createdAtMs: 2 }),
        identity('a', 'workload-a', ['s:1'], { createdAtMs: 2 }),
        identity('c', 'workload-a2', ['s:1'], { createdAtMs: 1 }),
      ],
    })
    expect(calls).toBe(1)
    expect(source.identitiesFor(new Set(['s:1'])).map((i) => i.entryId)).toEqual(['c', 'a', 'b'])
    unsubscribe()
    source.set({ identities: [] })
    expect(calls).toBe(1)
  })

  it('caches JWT-SVIDs per SPIFFE ID and audience set until half their lifetime', async () => {
    const clock = new FakeClock()
    const counters = { minted: 0 }
    const a = identity('a', 'workload-a', ['s:1'])
    const source = fixtureSource(
      { identities: [a], localBundle: EXAMPLE_BUNDLE, federatedBundles: [] },
      () => clock.now(),
      counters,
    )
    const first = await source.fetchJwtSvid(a, ['x', 'y'])
    expect((await source.fetchJwtSvid(a, ['y', 'x'])).token).toBe(first.token)
    await source.fetchJwtSvid(a, ['x'])
    expect(counters.minted).toBe(2)
    clock.advance(151_000) // past half of the 5-minute lifetime
    await source.fetchJwtSvid(a, ['x', 'y'])
    expect(counters.minted).toBe(3)
  })
})
