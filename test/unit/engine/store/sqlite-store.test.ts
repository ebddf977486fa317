import { describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../../../engine/store/errors.js'
import { failNext } from '../../../support/fail-next.js'
import { commit, entryRecord, testStore } from './support.js'

describe('sqlite registration store', () => {
  // the shared contract (commits, conflicts, rollback, audit batches, close) is in
  // test/conformance/store/registration-store.suite.ts, run against SQLite by sqlite.test.ts
  it('starts empty at revision 0 with a lineage and a genesis audit row', async () => {
    const { store } = testStore()
    const rev = await store.fetchRevision()
    expect(rev.revision).toBe(0)
    expect(rev.lineage).toMatch(/^[0-9a-f-]{36}$/)
    const live = await store.readLiveState()
    expect(live).toMatchObject({ revision: 0, trustDomain: '', entries: [], roles: [], scopes: [] })
    const audit = await store.listAuditRecords()
    expect(audit.items.map((r) => r.event)).toEqual(['store.create'])
    expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 1 })
  })

  it('round-trips every entry field and keeps createdAt and the ID across updates', async () => {
    const { store } = testStore()
    const rec = entryRecord(1, {
      federatesWith: ['b.org', 'a.org'],
      dnsNames: ['z.svc', 'a.svc'],
      protect: true,
    })
    expect(await commit(store, [{ kind: 'entry', action: 'create', entry: rec }])).toMatchObject({
      revision: 1,
    })
    const created = await store.fetchEntry(rec.id)
    expect(created).toEqual({
      ...rec,
      federatesWith: ['a.org', 'b.org'],
      revisionNumber: 0,
      createdAt: Date.UTC(2026, 0, 2) / 1000,
    })
    await commit(store, [{ kind: 'entry', action: 'update', entry: { ...rec, hint: 'h', admin: true } }])
    const updated = await store.fetchEntry(rec.id)
    expect(updated).toMatchObject({
      id: rec.id,
      hint: 'h',
      admin: true,
      revisionNumber: 1,
      createdAt: created?.createdAt,
    })
    expect((await store.fetchRevision()).revision).toBe(2)
  })

  it('lists and counts entries with filters and pages, and counts managed against unmanaged', async () => {
    const { store } = testStore()
    const writes = Array.from({ length: 25 }, (_, i) => ({
      kind: 'entry' as const,
      action: 'create' as const,
      entry: entryRecord(i, i % 5 === 0 ? { id: `manual-${i}` } : {}),
    }))
    await commit(store, writes)
    const seen: string[] = []
    let token = ''
    do {
      const page = await store.listEntries({ pageSize: 7, pageToken: token })
      seen.push(...page.items.map((e) => e.id))
      token = page.nextPageToken
    } while (token)
    expect(seen).toHaveLength(25)
    expect([...seen].sort()).toEqual(seen)
    expect(await store.countEntries({ byIdPrefix: 'sigil.' })).toBe(20)
    expect(await store.fetchStats('sigil.')).toMatchObject({
      revision: 1,
      managedEntries: 20,
      unmanagedEntries: 5,
    })
    const bySpiffe = await store.listEntries({ bySpiffeId: 'spiffe://example.org/w/3' })
    expect(bySpiffe.items.map((e) => e.id)).toEqual(['sigil.0003'])
    expect((await store.listEntries({ byParentId: 'spiffe://example.org/nodes/prod' })).items).toHaveLength(
      25,
    )
    await expect(store.listEntries({ pageToken: '!!' })).rejects.toThrow(TypeError)
  })

  it('fails the next call with failNext and then works again', async () => {
    const { store } = testStore()
    const flaky = failNext(store, new StoreUnavailableError(), 'fetchRevision')
    await expect(flaky.fetchRevision()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    await expect(flaky.fetchRevision()).resolves.toMatchObject({ revision: 0 })
  })
})
