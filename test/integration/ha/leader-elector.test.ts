/** Leader election on a real PostgreSQL: one leader, epochs, fencing, hand-over on release. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createLeaderElector } from '../../../engine/ha/leader-elector.js'
import { connectPostgresStore, type PostgresRegistrationStore } from '../../../engine/store/postgres-store.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'
import { createTestDatabase, postgresSuite } from '../../conformance/store/backends.js'

const { suite, title } = await postgresSuite('leader elector on PostgreSQL', 'leader elector')

suite(title, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  const stores: PostgresRegistrationStore[] = []
  const clock = new FakeClock()
  const open = async () => {
    const s = await connectPostgresStore(database.url, { clock, random: seededRandom(1) }, { create: true })
    stores.push(s)
    return s
  }
  const holder = (id: string) => ({ id, hostname: 'h', pid: 1, address: `${id}:8081` })
  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(async () => {
    for (const s of stores) await s.close()
    await database?.drop()
  })

  it('elects one leader, fences its commits after a hand-over, and records the holder', async () => {
    const [sa, sb] = [await open(), await open()]
    const a = createLeaderElector({ store: sa, clock, holder: holder('a') })
    const b = createLeaderElector({ store: sb, clock, holder: holder('b') })
    const changes: boolean[] = []
    a.onChange((v) => changes.push(v))
    expect(await a.step()).toBe(true)
    expect(await b.step()).toBe(false)
    expect(a.epoch).toBe(1)
    expect(b.epoch).toBeUndefined()
    expect(b.leaderInfo()).toMatchObject({ mode: 'elected', isLeader: false, holder: { id: 'a', epoch: 1 } })
    expect(await a.step()).toBe(true)

    const fencedA = a.fence(sa)
    const req = async () => ({
      base: await sa.fetchRevision(),
      writes: [],
      atMs: 1,
      audit: { actor: 'loop', details: {}, changes: [] },
    })
    await expect(fencedA.commitChanges(await req())).resolves.toMatchObject({ revision: 1 })
    await expect(b.fence(sb).commitChanges(await req())).rejects.toMatchObject({
      code: 'ERR_STORE_CONFLICT',
      data: { reason: 'fenced' },
    })

    // a releases (run ends when aborted), b takes over with the next epoch
    const stop = new AbortController()
    stop.abort()
    await a.run(stop.signal)
    expect(a.isLeader()).toBe(false)
    expect(changes).toEqual([true, false])
    expect(await b.step()).toBe(true)
    expect(b.leaderInfo()).toMatchObject({ isLeader: true, epoch: 2, holder: { id: 'b', epoch: 2 } })
    await expect(fencedA.commitChanges(await req())).rejects.toMatchObject({ data: { reason: 'fenced' } })
    await expect(sa.commitChangesAtEpoch(await req(), 1)).rejects.toMatchObject({
      data: { reason: 'fenced', epoch: 1, currentEpoch: 2 },
    })
    await expect(b.fence(sb).commitChanges(await req())).resolves.toMatchObject({ revision: 2 })
    const stopB = new AbortController()
    stopB.abort()
    await b.run(stopB.signal)
  })
})
