import { describe, expect, it } from 'vitest'
import { compareCodePoints, LiveStateCache } from '../../../../engine/store/live-state-cache.js'
import type { RegistrationStore } from '../../../../engine/store/registration-store.js'
import { commit, entryRecord, testStore } from './support.js'

/** Counts full reads, to tell a delta read from a full one. */
function countingReads(store: RegistrationStore): { store: RegistrationStore; fullReads: () => number } {
  let n = 0
  const counted = Object.create(store) as RegistrationStore
  counted.readLiveState = () => {
    n++
    return store.readLiveState()
  }
  return { store: counted, fullReads: () => n }
}

describe('compareCodePoints', () => {
  it('orders by code point, as UTF-8 bytes sort, where UTF-16 code units disagree', () => {
    const ids = ['a\u{1F600}', 'a\uFFFD', 'a\uE000', 'a\uD7FF', 'ab', 'a', '']
    const byBytes = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    expect([...ids].sort(compareCodePoints)).toEqual(byBytes)
    expect(byBytes.indexOf('a\uFFFD')).toBeLessThan(byBytes.indexOf('a\u{1F600}'))
  })
})

describe('LiveStateCache', () => {
  it('reads in full once, then only changes, and keeps the store order of IDs', async () => {
    const { store: real } = testStore()
    const { store, fullReads } = countingReads(real)
    const cache = new LiveStateCache(store)
    const ids = ['sigil.b', 'sigil.\uFFFD', 'sigil.\u{1F600}', 'sigil.a']
    await commit(real, [{ kind: 'entry', action: 'create', entry: entryRecord(1, { id: ids[0] }) }])
    expect((await cache.read()).delta).toBeUndefined()
    for (const [i, id] of ids.slice(1).entries())
      await commit(real, [{ kind: 'entry', action: 'create', entry: entryRecord(i + 2, { id }) }])
    const after = await cache.read()
    expect(after.delta?.changes.entries).toHaveLength(3)
    expect(after.live).toEqual(await real.readLiveState())
    expect(fullReads()).toBe(1)
  })

  it('returns the same entries when nothing changed', async () => {
    const { store } = testStore()
    await commit(store, [{ kind: 'entry', action: 'create', entry: entryRecord(1) }])
    const cache = new LiveStateCache(store)
    const first = await cache.read()
    const second = await cache.read()
    expect(second.live.entries).toBe(first.live.entries)
    expect(second.delta?.changes).toMatchObject({ entries: [], deletedEntryIds: [] })
  })
})
