/**
 * Emergency revocations in the node store, on SQLite and (when reachable) PostgreSQL: create, lift,
 * list active at an instant, audit rows on the shared hash chain, and a data version other
 * connections notice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RegistrationStore } from '../../../../engine/store/registration-store.js'
import { isPostgresReachable, postgresBackend, sqliteBackend, type StoreBackend } from '../backends.js'

const WEB = 'spiffe://example.org/web'
const DB = 'spiffe://example.org/db'

async function auditEvents(store: RegistrationStore) {
  return (await store.listAuditRecords({ pageSize: 10_000 })).items.filter((r) =>
    r.event.startsWith('identity.'),
  )
}

function describeRevocations(backend: StoreBackend): void {
  describe(`revocations (${backend.name})`, () => {
    beforeAll(() => backend.setup())
    afterAll(() => backend.teardown())

    it('creates, lists active at an instant, lifts, and audits each step', async () => {
      const loc = backend.location()
      const store = await loc.open({ create: true })
      const nodes = await loc.openNodes(store)
      try {
        expect(await loc.schemaVersion()).toBeGreaterThanOrEqual(3)
        const web = await nodes.createRevocation({
          spiffeId: WEB,
          reason: 'key leaked',
          actor: 'os:alice',
          atMs: 1000,
        })
        const db = await nodes.createRevocation({
          spiffeId: DB,
          reason: 'suspicious',
          actor: 'os:bob',
          atMs: 2000,
          expiresAtMs: 5000,
        })
        expect(web).toEqual({
          id: web.id,
          spiffeId: WEB,
          reason: 'key leaked',
          actor: 'os:alice',
          createdAtMs: 1000,
          expiresAtMs: null,
          liftedAtMs: null,
          liftedBy: null,
        })
        expect(db.expiresAtMs).toBe(5000)
        expect((await nodes.listRevocations({ activeAtMs: 4999 })).map((r) => r.spiffeId)).toEqual([DB, WEB])
        expect((await nodes.listRevocations({ activeAtMs: 5000 })).map((r) => r.spiffeId)).toEqual([WEB])

        const lifted = await nodes.liftRevocation({ spiffeId: WEB, actor: 'os:carol', atMs: 6000 })
        expect(lifted).toMatchObject([{ id: web.id, liftedAtMs: 6000, liftedBy: 'os:carol' }])
        expect(await nodes.liftRevocation({ spiffeId: WEB, actor: 'os:carol', atMs: 7000 })).toEqual([])
        expect(await nodes.listRevocations({ activeAtMs: 7000 })).toEqual([])
        // the full history stays
        expect((await nodes.listRevocations()).map((r) => [r.spiffeId, r.liftedAtMs])).toEqual([
          [DB, null],
          [WEB, 6000],
        ])

        const events = await auditEvents(store)
        expect(events.map((e) => [e.event, e.actor, e.data['spiffeId']])).toEqual([
          ['identity.revoke', 'os:alice', WEB],
          ['identity.revoke', 'os:bob', DB],
          ['identity.revoke.lift', 'os:carol', WEB],
        ])
        expect(events[0]?.data).toMatchObject({ reason: 'key leaked', expiresAtMs: null })
        expect(await store.verifyAuditLog()).toMatchObject({ ok: true })
      } finally {
        await nodes.close()
        await store.close()
      }
    })

    it('moves the data version another connection watches', async () => {
      const loc = backend.location()
      const store = await loc.open({ create: true })
      const writer = await loc.openNodes(store)
      const store2 = await loc.open()
      const watcher = await loc.openNodes(store2)
      try {
        const before = watcher.dataVersion()
        await writer.createRevocation({ spiffeId: WEB, reason: 'r', actor: 'a', atMs: 1 })
        await expect.poll(() => watcher.dataVersion()).not.toBe(before)
        const mid = watcher.dataVersion()
        await writer.liftRevocation({ spiffeId: WEB, actor: 'a', atMs: 2 })
        await expect.poll(() => watcher.dataVersion()).not.toBe(mid)
      } finally {
        await watcher.close()
        await writer.close()
        await store2.close()
        await store.close()
      }
    })
  })
}

describeRevocations(sqliteBackend())
if (await isPostgresReachable()) describeRevocations(postgresBackend())
else describe.skip('revocations (postgres): no PostgreSQL reachable', () => it('skipped', () => {}))
