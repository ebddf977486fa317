import { describe, expect, it } from 'vitest'
import { entryKey } from '../../../../engine/core/entry-key.js'
import { StoreUnavailableError } from '../../../../engine/store/errors.js'
import { failNext } from '../../../support/fail-next.js'
import { commit, entryRecord, testStore } from './support.js'

describe('sqlite registration store', () => {
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

  it('round-trips roles, scopes, federation bundles, policies and trust domain settings', async () => {
    const { store } = testStore()
    const settings = {
      x509SvidTtlSeconds: 3600,
      jwtSvidTtlSeconds: 300,
      maxX509SvidTtlSeconds: 86400,
      maxJwtSvidTtlSeconds: 3600,
      entryIdPrefix: 'sigil.',
      maxDeletions: { kind: 'percent', value: 10 },
    } as const
    const bundle = {
      name: 'partner',
      trustDomain: 'partner.example',
      endpointUrl: 'https://partner.example:8443/',
      endpointProfile: 'https_spiffe',
      endpointSpiffeId: 'spiffe://partner.example/spire/server',
      bundle: '',
    } as const
    await commit(store, [
      { kind: 'trustDomain', action: 'create', name: 'example.org', settings },
      { kind: 'scope', action: 'create', scope: { name: 'read:x', description: 'Read x' } },
      { kind: 'role', action: 'create', role: { name: 'reader', description: '', scopes: ['read:x'] } },
      { kind: 'federationBundle', action: 'create', bundle },
      { kind: 'policy', action: 'create', policy: { name: 'p', severity: 'warning', specJson: '{"a":1}' } },
    ])
    const live = await store.readLiveState()
    expect(live).toMatchObject({
      trustDomain: 'example.org',
      trustDomainSettings: settings,
      scopes: [{ name: 'read:x', description: 'Read x' }],
      roles: [{ name: 'reader', description: '', scopes: ['read:x'] }],
      federationBundles: [bundle],
      policies: [{ name: 'p', severity: 'warning', specJson: '{"a":1}' }],
    })
    await commit(store, [
      { kind: 'role', action: 'update', role: { name: 'reader', description: 'd', scopes: [] } },
      { kind: 'scope', action: 'delete', name: 'read:x' },
      { kind: 'federationBundle', action: 'delete', name: 'partner' },
      { kind: 'policy', action: 'delete', name: 'p' },
    ])
    expect(await store.readLiveState()).toMatchObject({
      roles: [{ name: 'reader', description: 'd', scopes: [] }],
      scopes: [],
      federationBundles: [],
      policies: [],
    })
  })

  it('refuses a commit whose base moved, writing nothing', async () => {
    const { store } = testStore()
    const base = await store.fetchRevision()
    await commit(store, [{ kind: 'entry', action: 'create', entry: entryRecord(1) }])
    const stale = store.commitChanges({
      base,
      writes: [{ kind: 'entry', action: 'create', entry: entryRecord(2) }],
      atMs: 0,
      audit: { actor: 'os:x', details: {}, changes: [] },
    })
    await expect(stale).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT', data: { reason: 'revision' } })
    const other = store.commitChanges({
      base: { ...base, lineage: 'other', revision: 1 },
      writes: [],
      atMs: 0,
      audit: { actor: 'os:x', details: {}, changes: [] },
    })
    await expect(other).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT', data: { reason: 'lineage' } })
    expect(await store.countEntries()).toBe(1)
  })

  it('rolls back the whole commit when one write does not fit', async () => {
    const { store } = testStore()
    await commit(store, [{ kind: 'entry', action: 'create', entry: entryRecord(1) }])
    const auditBefore = (await store.listAuditRecords()).items.length
    const cases = [
      [{ kind: 'entry', action: 'create', entry: entryRecord(1) }, 'exists'],
      [{ kind: 'entry', action: 'update', entry: entryRecord(9) }, 'missing'],
      [
        {
          kind: 'entry',
          action: 'update',
          entry: entryRecord(1, { spiffeId: 'spiffe://example.org/other' }),
        },
        'key-mismatch',
      ],
      [
        {
          kind: 'entry',
          action: 'delete',
          id: 'sigil.0001',
          key: entryKey('spiffe://x/y', 'spiffe://x/z', []),
        },
        'key-mismatch',
      ],
      [{ kind: 'role', action: 'update', role: { name: 'nope', description: '', scopes: [] } }, 'missing'],
      [{ kind: 'scope', action: 'delete', name: 'nope' }, 'missing'],
    ] as const
    for (const [write, reason] of cases) {
      const result = commit(store, [{ kind: 'entry', action: 'create', entry: entryRecord(2) }, write])
      await expect(result).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT', data: { reason } })
    }
    expect(await store.fetchRevision()).toMatchObject({ revision: 1 })
    expect(await store.fetchEntry('sigil.0002')).toBeUndefined()
    expect((await store.listAuditRecords()).items).toHaveLength(auditBefore)
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

  it('writes one audit head row and the changes in batches of 500, filtered by time', async () => {
    const { store } = testStore()
    await store.commitChanges({
      base: await store.fetchRevision(),
      writes: [{ kind: 'entry', action: 'create', entry: entryRecord(1) }],
      atMs: Date.UTC(2026, 0, 5),
      audit: {
        actor: 'spiffe://example.org/ci',
        details: { planDigest: 'abc' },
        changes: [{ action: 'create', kind: 'Entry', name: 'workload-1', key: 'k', id: 'sigil.0001' }],
      },
    })
    const rows = (await store.listAuditRecords({ sinceMs: Date.UTC(2026, 0, 4) })).items
    expect(rows.map((r) => [r.seq, r.event, r.actor, r.revision])).toEqual([
      [2, 'apply', 'spiffe://example.org/ci', 1],
      [3, 'changes', 'spiffe://example.org/ci', 1],
    ])
    expect(rows[0]?.data).toEqual({ planDigest: 'abc' })
    const many = Array.from({ length: 1201 }, (_, i) => ({
      action: 'create' as const,
      kind: 'Entry',
      name: `n${i}`,
      key: 'k',
    }))
    await store.commitChanges({
      base: await store.fetchRevision(),
      writes: [],
      atMs: Date.UTC(2026, 0, 6),
      audit: { actor: 'os:x', details: {}, changes: many },
    })
    const batches = (await store.listAuditRecords({ sinceMs: Date.UTC(2026, 0, 6) })).items.slice(1)
    expect(batches.map((r) => (r.data['changes'] as unknown[]).length)).toEqual([500, 500, 201])
    expect(batches.flatMap((r) => r.data['changes'] as unknown[])).toEqual(many)
    expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 7 })
  })

  it('fails the next call with failNext and then works again', async () => {
    const { store } = testStore()
    const flaky = failNext(store, new StoreUnavailableError(), 'fetchRevision')
    await expect(flaky.fetchRevision()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    await expect(flaky.fetchRevision()).resolves.toMatchObject({ revision: 0 })
  })

  it('rejects every call after close', async () => {
    const { store } = testStore()
    await store.close()
    await expect(store.fetchRevision()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
  })
})
