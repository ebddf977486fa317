import { afterEach, describe, expect, it } from 'vitest'
import { MINUTE_MS } from '../../../../engine/core/clock.js'
import { makeTestCa } from '../../../fixtures/ca/test-ca.js'
import { entry, rotatorFixture, syncOf } from './support.js'

const UID_1001 = new Set(['unix:uid:1001'])
const stops: AbortController[] = []
afterEach(() => {
  for (const s of stops.splice(0)) s.abort()
})

async function setup() {
  const { ca, clock } = await makeTestCa()
  const fixture = rotatorFixture(ca, clock)
  const stop = new AbortController()
  stops.push(stop)
  const running = fixture.rotator.run(stop.signal)
  return { ca, clock, ...fixture, stop, running }
}

const serial = (ids: readonly { certChainDer: readonly Buffer[] }[]) =>
  ids[0]?.certChainDer[0]?.toString('hex')

describe('SvidRotator', () => {
  it('mints SVIDs for synced entries as soon as the sync arrives, with keys made on the node', async () => {
    const { ca, clock, cache } = await setup()
    await clock.waitForSleepers(1)
    cache.applySync(syncOf(ca, [entry('web')]))
    await expect.poll(() => cache.identitiesFor(UID_1001).length).toBe(1)
    const [identity] = cache.identitiesFor(UID_1001)
    expect(identity?.spiffeId).toBe('spiffe://example.org/web')
    expect(identity?.privateKeyPkcs8Der.length).toBeGreaterThan(100)
  })

  it('rotates at about half life and tells subscribers', async () => {
    const { ca, clock, cache } = await setup()
    cache.applySync(syncOf(ca, [entry('web')]))
    await expect.poll(() => cache.identitiesFor(UID_1001).length).toBe(1)
    const first = serial(cache.identitiesFor(UID_1001))
    let notified = 0
    cache.subscribe(UID_1001, () => notified++)
    await clock.waitForSleepers(1)
    clock.advance(25 * MINUTE_MS) // below 45 % of one hour: nothing to do
    await clock.waitForSleepers(1)
    expect(serial(cache.identitiesFor(UID_1001))).toBe(first)
    clock.advance(10 * MINUTE_MS) // past 55 %
    await expect.poll(() => serial(cache.identitiesFor(UID_1001))).not.toBe(first)
    expect(notified).toBeGreaterThan(0)
  })

  it('re-mints when an entry changes and drops the SVID of a removed entry', async () => {
    const { ca, cache } = await setup()
    cache.applySync(syncOf(ca, [entry('web'), entry('db', { selectors: ['unix:uid:1002'] })]))
    await expect.poll(() => cache.state.svids.size).toBe(2)
    cache.applySync(syncOf(ca, [entry('web', { dnsNames: ['web.example.org'], revisionNumber: 2 })], 2))
    expect(cache.identitiesFor(new Set(['unix:uid:1002']))).toEqual([])
    await expect
      .poll(() => cache.state.svids.get('web')?.fingerprint)
      .toBe(JSON.stringify(['spiffe://example.org/web', ['web.example.org'], 3600]))
  })

  it('keeps serving cached SVIDs while the server is down until they expire, then recovers', async () => {
    const { ca, clock, cache, minter } = await setup()
    cache.applySync(syncOf(ca, [entry('web')]))
    await expect.poll(() => cache.identitiesFor(UID_1001).length).toBe(1)
    minter.down = true
    await clock.waitForSleepers(1)
    clock.advance(40 * MINUTE_MS) // due, but minting fails: back off
    await expect.poll(() => minter.calls).toBeGreaterThan(1)
    expect(cache.identitiesFor(UID_1001)).toHaveLength(1)
    let ended = false
    cache.subscribe(UID_1001, () => (ended = cache.identitiesFor(UID_1001).length === 0))
    for (let i = 0; i < 30; i++) {
      await clock.waitForSleepers(1)
      if (ended) break
      clock.advance(MINUTE_MS)
    }
    expect(ended).toBe(true)
    minter.down = false
    await clock.waitForSleepers(1)
    clock.advance(30_000)
    await expect.poll(() => cache.identitiesFor(UID_1001).length).toBe(1)
  })

  it('does not let a refused entry block the others', async () => {
    const { ca, clock, cache, minter } = await setup()
    minter.denied.add('db')
    cache.applySync(syncOf(ca, [entry('web'), entry('db', { selectors: ['unix:uid:1002'] })]))
    await expect.poll(() => cache.state.svids.has('web')).toBe(true)
    await clock.waitForSleepers(1)
    expect(cache.state.svids.has('db')).toBe(false)
    const calls = minter.calls
    minter.denied.clear()
    clock.advance(MINUTE_MS)
    await expect.poll(() => cache.state.svids.has('db')).toBe(true)
    expect(minter.calls).toBeGreaterThan(calls)
  })
})
