/**
 * `readLiveStateChanges` on every backend: the changes since any tracked revision, applied to the
 * state read at that revision, give exactly the state read in full now; anything the store cannot
 * tell is `undefined`, never a partial answer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { entryKey } from '../../../engine/core/entry-key.js'
import type { LiveState } from '../../../engine/plan/types.js'
import { applyLiveStateChanges, LiveStateCache, liveStats } from '../../../engine/store/live-state-cache.js'
import type { RegistrationStore, StoreWrite } from '../../../engine/store/registration-store.js'
import { commit, entryRecord, oldSchemaEntrySql } from '../../unit/engine/store/support.js'
import type { StoreBackend, StoreHandle } from './backends.js'

const id = (n: number) => entryRecord(n).id
const create = (n: number, hint = ''): StoreWrite => ({
  kind: 'entry',
  action: 'create',
  entry: entryRecord(n, { hint }),
})
const update = (n: number, hint: string): StoreWrite => ({
  kind: 'entry',
  action: 'update',
  entry: entryRecord(n, { hint }),
})
const remove = (n: number): StoreWrite => {
  const e = entryRecord(n)
  return { kind: 'entry', action: 'delete', id: e.id, key: entryKey(e.spiffeId, e.parentId, e.selectors) }
}

/** Registers the change-reading tests for `backend`. */
export function describeLiveStateChanges(backend: StoreBackend): void {
  describe(`live state changes: ${backend.name}`, () => {
    const open: { close(): Promise<void> }[] = []
    const opened = async (at: StoreHandle, create = false) => {
      const store = await at.open({ create })
      open.push(store)
      return store
    }
    beforeAll(() => backend.setup())
    afterAll(() => backend.teardown())
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close()
    })

    /** Every earlier snapshot plus the changes since it must equal the state read in full now. */
    const expectCatchUpFromEach = async (store: RegistrationStore, snapshots: LiveState[]) => {
      const now = await store.readLiveState()
      for (const before of snapshots) {
        const changes = await store.readLiveStateChanges(before)
        expect(changes, `changes since revision ${before.revision}`).toBeDefined()
        expect(applyLiveStateChanges(before, changes!)).toEqual(now)
      }
      return now
    }

    it('tells creates, updates, deletes and re-creates since any revision, rebuilding the full read', async () => {
      const store = await opened(backend.location(), true)
      const snapshots = [await store.readLiveState()]
      const commits: StoreWrite[][] = [
        [
          { kind: 'trustDomain', action: 'create', name: 'example.org' },
          { kind: 'role', action: 'create', role: { name: 'reader', description: 'r', scopes: ['read:x'] } },
          ...[1, 2, 3, 4, 5].map((n) => create(n)),
        ],
        [update(2, 'two'), remove(3), create(6)],
        [remove(6), create(3, 'again'), update(1, 'one')],
        [{ kind: 'role', action: 'update', role: { name: 'reader', description: 'r2', scopes: [] } }],
        [remove(3), remove(4)],
      ]
      for (const writes of commits) {
        await commit(store, writes)
        snapshots.push(await expectCatchUpFromEach(store, snapshots))
      }
      const since2 = await store.readLiveStateChanges(snapshots[2] as LiveState)
      expect(since2?.entries.map((e) => [e.id, e.hint])).toEqual([[id(1), 'one']])
      expect(since2?.deletedEntryIds).toEqual([id(3), id(4), id(6)])
      expect(since2?.state).toMatchObject({ revision: 5, roles: [{ name: 'reader', description: 'r2' }] })
      const none = await store.readLiveStateChanges(snapshots[5] as LiveState)
      expect(none).toMatchObject({ entries: [], deletedEntryIds: [], state: { revision: 5 } })
    })

    it('answers undefined for another lineage or a revision ahead of the store', async () => {
      const store = await opened(backend.location(), true)
      await commit(store, [create(1)])
      const { lineage } = await store.fetchRevision()
      expect(await store.readLiveStateChanges({ lineage: 'another', revision: 0 })).toBeUndefined()
      expect(await store.readLiveStateChanges({ lineage, revision: 2 })).toBeUndefined()
      expect(await store.readLiveStateChanges({ lineage, revision: 0 })).toMatchObject({
        entries: [{ id: id(1) }],
      })
    })

    it('tells changes only from the revision a store was migrated at', async () => {
      const at = backend.location()
      const old = await at.open({ create: true, upTo: 5 }) // the version before entry change tracking
      const { lineage } = await old.fetchRevision()
      await old.close()
      await at.tamper(oldSchemaEntrySql(1))
      const store = await opened(at)
      // what happened before the migration is not recorded: a reader must read in full
      expect(await store.readLiveStateChanges({ lineage, revision: 0 })).toBeUndefined()
      const atMigration = await store.readLiveState()
      expect(await store.readLiveStateChanges(atMigration)).toMatchObject({
        entries: [],
        deletedEntryIds: [],
      })
      await commit(store, [update(1, 'after'), create(2)])
      await expectCatchUpFromEach(store, [atMigration])
    })

    it('counts managed entries from a live state as fetchStats does', async () => {
      const store = await opened(backend.location(), true)
      const ids = ['sigil.a', 'sigil.\u{1F600}', 'sigil.\uffff', 'sigil', 'sigiL.b', 'other', 'sigil.\uE000']
      await commit(
        store,
        ids.map((id, i) => ({ kind: 'entry', action: 'create', entry: entryRecord(i + 1, { id }) })),
      )
      const live = await store.readLiveState()
      for (const prefix of ['sigil.', 'sigil', 'other', '', '\u{1F600}'])
        expect(liveStats(live, prefix), prefix).toEqual(await store.fetchStats(prefix))
    })

    it('sees commits made through another connection, and a cache follows them', async () => {
      const at = backend.location()
      const reader = await opened(at, true)
      const writer = await opened(at)
      await commit(writer, [create(1), create(2)])
      const cache = new LiveStateCache(reader)
      const first = await cache.read()
      expect(first.delta).toBeUndefined()
      await commit(writer, [update(1, 'other process'), remove(2), create(3)])
      const next = await cache.read()
      expect(next.delta?.changes.entries.map((e) => e.id)).toEqual([id(1), id(3)])
      expect(next.delta?.changes.deletedEntryIds).toEqual([id(2)])
      expect(next.live).toEqual(await reader.readLiveState())
      cache.forget()
      expect((await cache.read()).delta).toBeUndefined()
    })
  })
}
