import { describe, expect, it } from 'vitest'
import { applyPlan } from '../../../../engine/apply/apply-plan.js'
import { StoreUnavailableError } from '../../../../engine/store/errors.js'
import type { RegistrationStore } from '../../../../engine/store/registration-store.js'
import { failNext } from '../../../support/fail-next.js'
import { entryRecord, testStore } from '../store/support.js'
import { createChange, deleteChange, planFor, updateChange } from './support.js'

const opts = { actor: 'os:alice', planDigest: 'digest-1' }

async function seeded(n: number, protectFirst = false) {
  const { store, clock } = testStore()
  const plan = await planFor(
    store,
    Array.from({ length: n }, (_, i) => createChange(entryRecord(i, { protect: protectFirst && i === 0 }))),
  )
  await applyPlan(store, plan, opts, { clock })
  return { store, clock }
}

const entryIds = async (store: RegistrationStore) => (await store.listEntries()).items.map((e) => e.id)

describe('applyPlan', () => {
  it('applies creates, updates and deletes in one revision and audits each change', async () => {
    const { store, clock } = await seeded(3)
    const plan = await planFor(store, [
      createChange(entryRecord(5)),
      updateChange(entryRecord(1), entryRecord(1, { hint: 'new' }), ['hint']),
      deleteChange(entryRecord(2)),
    ])
    const result = await applyPlan(store, plan, opts, { clock })
    expect(result).toMatchObject({ baseRevision: 1, revision: 2, created: 1, updated: 1, deleted: 1 })
    expect(await entryIds(store)).toEqual(['sigil.0000', 'sigil.0001', 'sigil.0005'])
    expect(await store.fetchEntry('sigil.0001')).toMatchObject({
      hint: 'new',
      revisionNumber: 1,
      sourceCommit: 'abc123',
    })
    const audit = (await store.listAuditRecords()).items.filter((r) => r.revision === 2)
    expect(audit.map((r) => [r.event, r.actor])).toEqual([
      ['apply', 'os:alice'],
      ['changes', 'os:alice'],
    ])
    expect(audit[0]?.data).toMatchObject({
      source: { repo: '/repo', commit: 'abc123' },
      planDigest: 'digest-1',
      baseRevision: 1,
    })
    // deletes are written (and audited) first
    const changes = audit[1]?.data['changes'] as { action: string; id: string }[]
    expect(changes.map((c) => [c.action, c.id])).toEqual([
      ['delete', 'sigil.0002'],
      ['create', 'sigil.0005'],
      ['update', 'sigil.0001'],
    ])
    expect(await store.verifyAuditLog()).toMatchObject({ ok: true })
  })

  it('commits nothing for a plan without changes', async () => {
    const { store, clock } = await seeded(1)
    expect(await applyPlan(store, await planFor(store, []), opts, { clock })).toMatchObject({ revision: 1 })
    expect(await store.fetchRevision()).toMatchObject({ revision: 1 })
  })

  it('refuses a stale plan and a plan from another store', async () => {
    const { store, clock } = await seeded(1)
    const plan = await planFor(store, [createChange(entryRecord(7))])
    await applyPlan(store, await planFor(store, [createChange(entryRecord(8))]), opts, { clock })
    await expect(applyPlan(store, plan, opts, { clock })).rejects.toMatchObject({
      code: 'ERR_PLAN_STALE',
      data: { plannedRevision: 1, currentRevision: 2 },
    })
    const foreign = { ...plan, base: { kind: 'store' as const, lineage: 'elsewhere', revision: 2 } }
    await expect(applyPlan(store, foreign, opts, { clock })).rejects.toMatchObject({
      code: 'ERR_PLAN_LINEAGE_MISMATCH',
    })
    expect(await store.fetchEntry('sigil.0007')).toBeUndefined()
  })

  it('refuses a --base-ref preview plan', async () => {
    const { store, clock } = testStore()
    const plan = await planFor(store, [createChange(entryRecord(1))], {
      base: { kind: 'git', lineage: '', revision: 0, ref: 'origin/main' },
    })
    await expect(applyPlan(store, plan, opts, { clock })).rejects.toMatchObject({
      code: 'ERR_PLAN_INVALID_INPUT',
    })
  })

  it('lets one of two concurrent applies win and refuses the other as stale', async () => {
    const { store, clock } = await seeded(1)
    const a = await planFor(store, [createChange(entryRecord(10))])
    const b = await planFor(store, [createChange(entryRecord(11))])
    const results = await Promise.allSettled([
      applyPlan(store, a, opts, { clock }),
      applyPlan(store, b, opts, { clock }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.find((r) => r.status === 'rejected')
    expect(rejected?.reason).toMatchObject({ code: 'ERR_PLAN_STALE' })
    expect(await store.fetchRevision()).toMatchObject({ revision: 2 })
  })

  it('refuses more deletions than safety.maxDeletions unless overridden', async () => {
    const { store, clock } = await seeded(20)
    const plan = await planFor(
      store,
      [0, 1, 2].map((i) => deleteChange(entryRecord(i))),
    )
    await expect(applyPlan(store, plan, opts, { clock })).rejects.toMatchObject({
      code: 'ERR_APPLY_TOO_MANY_DELETIONS',
      data: { deletions: 3, allowed: 2, managed: 20 },
    })
    expect(await store.countEntries()).toBe(20)
    const overridden = await applyPlan(
      store,
      plan,
      { ...opts, maxDeletions: { kind: 'count', value: 3 } },
      { clock },
    )
    expect(overridden).toMatchObject({ deleted: 3 })
  })

  it('always allows one deletion under a percentage limit', async () => {
    const { store, clock } = await seeded(3)
    await expect(
      applyPlan(store, await planFor(store, [deleteChange(entryRecord(0))]), opts, { clock }),
    ).resolves.toMatchObject({ deleted: 1 })
  })

  it('refuses a plan that leaves no managed entries unless allowed', async () => {
    const { store, clock } = await seeded(1)
    const plan = await planFor(store, [deleteChange(entryRecord(0))])
    await expect(applyPlan(store, plan, opts, { clock })).rejects.toMatchObject({
      code: 'ERR_APPLY_EMPTY_TARGET',
    })
    await expect(applyPlan(store, plan, { ...opts, allowEmpty: true }, { clock })).resolves.toMatchObject({
      deleted: 1,
    })
  })

  it('refuses to delete a protected entry, trusting the live row over the plan', async () => {
    const { store, clock } = await seeded(5, true)
    // the plan's copy claims protect: false; the store says true
    const plan = await planFor(store, [deleteChange(entryRecord(0, { protect: false }))])
    await expect(applyPlan(store, plan, opts, { clock })).rejects.toMatchObject({
      code: 'ERR_APPLY_PROTECTED',
      data: { entries: [{ id: 'sigil.0000', name: 'workload-0' }] },
    })
    await expect(
      applyPlan(store, plan, { ...opts, allowProtectedDelete: true }, { clock }),
    ).resolves.toMatchObject({ deleted: 1 })
  })

  it('refuses changes to entries outside the ownership prefix', async () => {
    const { store, clock } = await seeded(2)
    const plan = await planFor(store, [createChange(entryRecord(3, { id: 'manual-3' }))])
    await expect(applyPlan(store, plan, opts, { clock })).rejects.toMatchObject({
      code: 'ERR_APPLY_UNMANAGED',
      data: { ids: ['manual-3'] },
    })
  })

  it('refuses a malformed change record', async () => {
    const { store, clock } = testStore()
    const change = createChange(entryRecord(1))
    const plan = await planFor(store, [{ ...change, after: { ...change.after, selectors: 'k8s:ns:x' } }])
    await expect(applyPlan(store, plan, opts, { clock })).rejects.toMatchObject({
      code: 'ERR_PLAN_INVALID_INPUT',
      data: { field: 'selectors' },
    })
    expect(await store.fetchRevision()).toMatchObject({ revision: 0 })
  })

  it('passes store failures through and leaves the store as it was', async () => {
    const { store, clock } = await seeded(1)
    const flaky = failNext(store, new StoreUnavailableError(), 'commitChanges')
    const plan = await planFor(store, [createChange(entryRecord(4))])
    await expect(applyPlan(flaky, plan, opts, { clock })).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
    })
    await expect(applyPlan(flaky, plan, opts, { clock })).resolves.toMatchObject({ revision: 2 })
  })
})
