// npm run test:stress: the crash-during-apply test with hundreds of kills.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../engine/store/sqlite-store.js'
import { FakeClock } from '../support/fake-clock.js'
import { seededRandom } from '../support/seeded-random.js'
import { killSchedule, prepareCrashScenario, runAndKill } from '../integration/plan-apply/crash-support.js'

const KILLS = Number(process.env['SIGIL_CRASH_KILLS'] ?? 300)

describe.runIf(process.env['SIGIL_STRESS'] === '1')('crash during apply (stress)', () => {
  it(`survives ${KILLS} kills at seeded random points`, async () => {
    const scenario = await prepareCrashScenario(5000)
    const schedule = killSchedule(
      seededRandom(Number(process.env['SIGIL_CRASH_SEED'] ?? 7)),
      KILLS,
      10_000,
      3000,
    )
    for (const [i, mode] of schedule.entries()) {
      const db = join(scenario.dir, `kill.db`)
      await runAndKill(scenario, db, mode)
      const store = openSqliteStore(db, { clock: new FakeClock(), random: seededRandom() })
      const live = await store.readLiveState()
      expect(await store.verifyAuditLog(), `kill ${i}`).toMatchObject({ ok: true })
      await store.close()
      const expected = live.revision === 1 ? scenario.oldEntries : scenario.newEntries
      expect([1, 2], `kill ${i}`).toContain(live.revision)
      expect(live.entries, `kill ${i}`).toHaveLength(expected)
      expect(
        new Set(live.entries.filter((e) => e.kind === 'Entry').map((e) => e.hint)).size,
        `kill ${i}`,
      ).toBe(1)
    }
  })
})
