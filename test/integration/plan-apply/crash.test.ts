// A process killed at any moment of a large apply leaves the store at the old or the new revision.
// The child applies 3,000 writes; a seeded schedule SIGKILLs it after opening the store, at progress
// marks inside the transaction, or after a random delay. Loops of hundreds: test/stress/.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'
import { type CrashScenario, killSchedule, prepareCrashScenario, runAndKill } from './crash-support.js'

const ENTRIES = 1500
const KILLS = Number(process.env['SIGIL_CRASH_KILLS'] ?? 20)

describe('crash during apply', () => {
  let scenario: CrashScenario
  beforeAll(async () => {
    scenario = await prepareCrashScenario(ENTRIES)
  })

  it(`leaves the store at the old or the new revision across ${KILLS} kills`, async () => {
    const schedule = killSchedule(seededRandom(2026), KILLS, ENTRIES * 2, 1500)
    let rolledBackMidTransaction = 0
    const seen = { old: 0, new: 0 }
    for (const [i, mode] of schedule.entries()) {
      const db = join(scenario.dir, `kill-${i}.db`)
      const outcome = await runAndKill(scenario, db, mode)
      const store = openSqliteStore(db, { clock: new FakeClock(), random: seededRandom() })
      const live = await store.readLiveState()
      const audit = await store.verifyAuditLog()
      await store.close()
      expect(audit).toMatchObject({ ok: true })
      const hints = new Set(live.entries.filter((e) => e.kind === 'Entry').map((e) => e.hint))
      if (live.revision === 1) {
        expect(live.entries).toHaveLength(scenario.oldEntries)
        expect([...hints]).toEqual(['old'])
        expect(outcome.finished).toBe(false)
        seen.old++
        if (outcome.progress > 0) rolledBackMidTransaction++
      } else {
        expect(live.revision).toBe(2)
        expect(live.entries).toHaveLength(scenario.newEntries)
        expect([...hints]).toEqual(['new'])
        seen.new++
      }
    }
    expect(seen.old + seen.new).toBe(KILLS)
    // proof that kills landed inside the transaction (after writes were reported) and rolled back
    expect(rolledBackMidTransaction).toBeGreaterThan(0)
  })
})
