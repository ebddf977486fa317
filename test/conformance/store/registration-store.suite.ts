/**
 * The registration store contract, run unchanged against every backend (sqlite.test.ts,
 * postgres.test.ts): same inputs, same expected outputs, codes and data shapes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { entryKey } from '../../../engine/core/entry-key.js'
import { MIGRATIONS } from '../../../engine/store/migrations/index.js'
import type { RegistrationStore } from '../../../engine/store/registration-store.js'
import { commit, entryRecord, oldSchemaEntrySql } from '../../unit/engine/store/support.js'
import type { StoreBackend, StoreHandle } from './backends.js'

const LATEST = MIGRATIONS.length

/** Registers the registration store conformance tests for `backend`. */
export function describeRegistrationStore(backend: StoreBackend): void {
  describe(`registration store conformance: ${backend.name}`, () => {
    const open: { close(): Promise<void> }[] = []
    const fresh = async (): Promise<{ at: StoreHandle; store: RegistrationStore }> => {
      const at = backend.location()
      const store = await at.open({ create: true })
      open.push(store)
      return { at, store }
    }
    const again = async (at: StoreHandle) => {
      const store = await at.open()
      open.push(store)
      return store
    }
    beforeAll(() => backend.setup())
    afterAll(() => backend.teardown())
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close()
    })

    it('creates from empty at revision 0 with a lineage, a genesis audit row and the latest schema', async () => {
      const { at, store } = await fresh()
      const rev = await store.fetchRevision()
      expect(rev.revision).toBe(0)
      expect(rev.lineage).toMatch(/^[0-9a-f-]{36}$/)
      expect(await store.readLiveState()).toMatchObject({
        revision: 0,
        trustDomain: '',
        entries: [],
        roles: [],
      })
      expect((await store.listAuditRecords()).items.map((r) => r.event)).toEqual(['store.create'])
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 1 })
      expect(await at.schemaVersion()).toBe(LATEST)
      expect(await store.fetchStats('sigil.')).toMatchObject({
        revision: 0,
        managedEntries: 0,
        unmanagedEntries: 0,
      })
    })

    it('refuses a missing store unless asked to create one', async () => {
      await expect(backend.location().open()).rejects.toMatchObject({ code: 'ERR_STORE_NOT_FOUND' })
    })

    for (let from = 1; from < LATEST; from++) {
      it(`migrates forward from schema version ${from}, keeping data and lineage`, async () => {
        const at = backend.location()
        const old = await at.open({ create: true, upTo: from })
        const { lineage } = await old.fetchRevision()
        await old.close()
        await at.tamper(oldSchemaEntrySql(1))
        expect(await at.schemaVersion()).toBe(from)
        const store = await again(at)
        expect(await at.schemaVersion()).toBe(LATEST)
        expect(await store.fetchRevision()).toEqual({ lineage, revision: 1 })
        expect(await store.fetchEntry('sigil.0001')).toMatchObject({ id: 'sigil.0001' })
        const nodes = await at.openNodes(store)
        open.push(nodes)
        expect(await nodes.listAttestedNodes()).toEqual([])
      })
    }

    it('refuses a schema newer than this sigil', async () => {
      const { at } = await fresh()
      await at.setSchemaVersion(LATEST + 1)
      await expect(at.open()).rejects.toMatchObject({ code: 'ERR_STORE_MIGRATION' })
    })

    it('round-trips every entry field and keeps createdAt and the ID across updates', async () => {
      const { store } = await fresh()
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
      expect(await store.fetchEntry(rec.id)).toMatchObject({
        hint: 'h',
        admin: true,
        revisionNumber: 1,
        createdAt: created?.createdAt,
      })
      await commit(store, [
        {
          kind: 'entry',
          action: 'delete',
          id: rec.id,
          key: entryKey(rec.spiffeId, rec.parentId, rec.selectors),
        },
      ])
      expect(await store.fetchEntry(rec.id)).toBeUndefined()
      expect((await store.fetchRevision()).revision).toBe(3)
    })

    it('round-trips roles, scopes, federation bundles, policies and trust domain settings', async () => {
      const { store } = await fresh()
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
      expect(await store.readLiveState()).toMatchObject({
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
        { kind: 'trustDomain', action: 'delete', name: 'example.org' },
      ])
      const live = await store.readLiveState()
      expect(live).toMatchObject({
        trustDomain: '',
        roles: [{ name: 'reader', description: 'd', scopes: [] }],
        scopes: [],
        federationBundles: [],
        policies: [],
      })
      expect(live.trustDomainSettings).toBeUndefined()
    })

    it('refuses a commit whose base moved or whose lineage differs, writing nothing', async () => {
      const { store } = await fresh()
      const base = await store.fetchRevision()
      await commit(store, [{ kind: 'entry', action: 'create', entry: entryRecord(1) }])
      const req = (b: typeof base) => ({
        base: b,
        writes: [{ kind: 'entry' as const, action: 'create' as const, entry: entryRecord(2) }],
        atMs: 0,
        audit: { actor: 'os:x', details: {}, changes: [] },
      })
      await expect(store.commitChanges(req(base))).rejects.toMatchObject({
        code: 'ERR_STORE_CONFLICT',
        data: { reason: 'revision', expected: base, actual: { lineage: base.lineage, revision: 1 } },
      })
      await expect(store.commitChanges(req({ lineage: 'other', revision: 1 }))).rejects.toMatchObject({
        code: 'ERR_STORE_CONFLICT',
        data: { reason: 'lineage' },
      })
      expect(await store.countEntries()).toBe(1)
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 2 })
    })

    it('rolls back the whole commit when one write does not fit', async () => {
      const { store } = await fresh()
      await commit(store, [
        { kind: 'entry', action: 'create', entry: entryRecord(1) },
        { kind: 'scope', action: 'create', scope: { name: 's', description: '' } },
      ])
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
        [{ kind: 'entry', action: 'delete', id: 'sigil.0404', key: 'k' }, 'missing'],
        [{ kind: 'scope', action: 'create', scope: { name: 's', description: '' } }, 'exists'],
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
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true })
    })

    it('lets exactly one of several concurrent commits on the same base win', async () => {
      const { at, store } = await fresh()
      const others = [store, await again(at), await again(at)]
      const base = await store.fetchRevision()
      const results = await Promise.allSettled(
        others.flatMap((s, i) =>
          [0, 1].map((j) =>
            s.commitChanges({
              base,
              writes: [{ kind: 'entry', action: 'create', entry: entryRecord(10 * i + j) }],
              atMs: 1,
              audit: { actor: `os:${i}`, details: {}, changes: [] },
            }),
          ),
        ),
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      for (const r of results.filter((r) => r.status === 'rejected'))
        expect((r as PromiseRejectedResult).reason).toMatchObject({
          code: 'ERR_STORE_CONFLICT',
          data: { reason: 'revision' },
        })
      expect(await store.fetchRevision()).toMatchObject({ revision: 1 })
      expect(await store.countEntries()).toBe(1)
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 2 })
    })

    it('keeps the audit chain linear while commits and node events append at once', async () => {
      const { at, store } = await fresh()
      const nodes = await at.openNodes(await again(at))
      open.push(nodes)
      const commits = (async () => {
        for (let i = 0; i < 5; i++)
          await commit(store, [{ kind: 'entry', action: 'create', entry: entryRecord(i) }])
      })()
      const events = Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          nodes.appendAudit({ atMs: i, actor: 'a', event: 'node.attest', data: { i } }),
        ),
      )
      await Promise.all([commits, events])
      const rows = (await store.listAuditRecords()).items
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1))
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 16 })
    })

    it('lists and counts entries with filters and pages, and counts managed against unmanaged', async () => {
      const { store } = await fresh()
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
      expect(
        (await store.listEntries({ bySpiffeId: 'spiffe://example.org/w/3' })).items.map((e) => e.id),
      ).toEqual(['sigil.0003'])
      expect(
        (await store.listEntries({ byParentId: 'spiffe://example.org/nodes/prod', byIdPrefix: 'manual-' }))
          .items,
      ).toHaveLength(5)
      await expect(store.listEntries({ pageToken: '!!' })).rejects.toThrow(TypeError)
      await expect(store.listEntries({ pageSize: 0 })).rejects.toThrow(TypeError)
    })

    it('leaves unmanaged entries untouched by commits to managed ones', async () => {
      const { store } = await fresh()
      const manual = entryRecord(7, { id: 'manual-7', name: 'by-hand' })
      await commit(store, [
        { kind: 'entry', action: 'create', entry: manual },
        { kind: 'entry', action: 'create', entry: entryRecord(1) },
        { kind: 'entry', action: 'create', entry: entryRecord(2) },
      ])
      const before = await store.fetchEntry('manual-7')
      const two = entryRecord(2)
      await commit(store, [
        { kind: 'entry', action: 'update', entry: entryRecord(1, { hint: 'new' }) },
        {
          kind: 'entry',
          action: 'delete',
          id: two.id,
          key: entryKey(two.spiffeId, two.parentId, two.selectors),
        },
      ])
      expect(await store.fetchEntry('manual-7')).toEqual(before)
      expect(await store.fetchStats('sigil.')).toMatchObject({ managedEntries: 1, unmanagedEntries: 1 })
    })

    it('writes one audit head row and the changes in batches of 500, filtered by time', async () => {
      const { store } = await fresh()
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
      const page = await store.listAuditRecords({ pageSize: 4 })
      expect(page.items.map((r) => r.seq)).toEqual([1, 2, 3, 4])
      expect(
        (await store.listAuditRecords({ pageToken: page.nextPageToken })).items.map((r) => r.seq),
      ).toEqual([5, 6, 7])
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 7 })
    })

    it('reports progress and commits a thousand-entry change in one transaction', async () => {
      const { store } = await fresh()
      const calls: [number, number][] = []
      const writes = Array.from({ length: 2500 }, (_, i) => ({
        kind: 'entry' as const,
        action: 'create' as const,
        entry: entryRecord(i),
      }))
      await store.commitChanges({
        base: await store.fetchRevision(),
        writes,
        atMs: 5,
        audit: { actor: 'os:x', details: {}, changes: [] },
        onProgress: (done, total) => calls.push([done, total]),
      })
      expect(calls).toEqual([
        [1000, 2500],
        [2000, 2500],
        [2500, 2500],
      ])
      expect(await store.countEntries()).toBe(2500)
    })

    it('detects an audit row edited, deleted or appended with raw SQL', async () => {
      const { at, store } = await fresh()
      for (let i = 0; i < 3; i++)
        await commit(store, [{ kind: 'entry', action: 'create', entry: entryRecord(i) }])
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 4 })
      await at.tamper(`UPDATE audit_log SET actor = 'os:mallory' WHERE seq = 3`)
      expect(await store.verifyAuditLog()).toMatchObject({ ok: false, seq: 3, problem: 'hash-mismatch' })
      const t2 = backend.location()
      const s2 = await t2.open({ create: true })
      open.push(s2)
      for (let i = 0; i < 3; i++)
        await commit(s2, [{ kind: 'entry', action: 'create', entry: entryRecord(i) }])
      await t2.tamper('DELETE FROM audit_log WHERE seq = 4')
      expect(await s2.verifyAuditLog()).toMatchObject({ ok: false, problem: 'head-mismatch' })
      await t2.tamper('DELETE FROM audit_log WHERE seq = 2')
      expect(await s2.verifyAuditLog()).toMatchObject({ ok: false, seq: 2, problem: 'gap' })
    })

    it('refuses edits of the audit log through ordinary SQL', async () => {
      const { at } = await fresh()
      await expect(at.column("UPDATE audit_log SET actor = 'x' WHERE seq = 1 RETURNING seq")).rejects.toThrow(
        /append-only/,
      )
    })

    it('rejects every call after close', async () => {
      const { store } = await fresh()
      await store.close()
      await expect(store.fetchRevision()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
      await expect(commit(store, [])).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    })
  })
}
