// Two applies at once on one store file, each through its own connection: one wins, the other is
// refused as stale, and the store holds exactly the winner's change.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyPlan } from '../../../engine/apply/apply-plan.js'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { FakeClock } from '../../support/fake-clock.js'
import { tempDir } from '../../support/git.js'
import { seededRandom } from '../../support/seeded-random.js'
import { createChange, planFor } from '../../unit/engine/apply/support.js'
import { entryRecord } from '../../unit/engine/store/support.js'

describe('concurrent applies', () => {
  it('lets exactly one of two connections commit a plan made at the same revision', async () => {
    const path = join(tempDir(), 'sigil.db')
    const clock = new FakeClock()
    const a = openSqliteStore(path, { clock, random: seededRandom(1) }, { create: true })
    const b = openSqliteStore(path, { clock, random: seededRandom(2) })
    const planA = await planFor(a, [createChange(entryRecord(1))])
    const planB = await planFor(b, [createChange(entryRecord(2))])
    expect(planA.base).toEqual(planB.base)
    const opts = { actor: 'os:test', planDigest: 'd' }
    const results = await Promise.allSettled([
      applyPlan(a, planA, opts, { clock }),
      applyPlan(b, planB, opts, { clock }),
    ])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(refused?.reason).toMatchObject({ code: 'ERR_PLAN_STALE' })
    expect(await a.fetchRevision()).toMatchObject({ revision: 1 })
    expect(await b.countEntries()).toBe(1)
    expect(await b.verifyAuditLog()).toMatchObject({ ok: true })
    await a.close()
    await b.close()
  })
})
