/**
 * The reconcile status replicas share on a real PostgreSQL (schema v4): only the current leader's
 * epoch writes the status or answers a forwarded cycle; a deposed leader's writes are refused and
 * leave its successor's record alone; any replica reads the record and sets the suspend flag.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createLeaderElector, type LeaderElector } from '../../../engine/ha/leader-elector.js'
import { createSharedReconcileState } from '../../../engine/ha/shared-reconcile-state.js'
import { FORWARD_WAIT_MS, forwardCycle } from '../../../engine/reconcile/forward.js'
import type { ReconcileStateStore } from '../../../engine/reconcile/state-store.js'
import { emptyStatus, type ReconcileStatus } from '../../../engine/reconcile/status.js'
import { connectPostgresStore, type PostgresRegistrationStore } from '../../../engine/store/postgres-store.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'
import { createTestDatabase, postgresSuite } from '../../conformance/store/backends.js'

const { suite, title } = await postgresSuite(
  'shared reconcile status on PostgreSQL',
  'shared reconcile status',
)

const FENCED = { code: 'ERR_STORE_CONFLICT', data: { reason: 'fenced' } }

/** A status that says which commit it applied. */
const applied = (commit: string): ReconcileStatus => ({
  ...emptyStatus('apply'),
  leader: true,
  lastApplied: { commit, atMs: 1, revision: 1, lineage: 'l' },
})

suite(title, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  const clock = new FakeClock()
  const stores: PostgresRegistrationStore[] = []
  const electors: LeaderElector[] = []

  /** One replica: its own connections, elector and view of the shared state. */
  const replica = async (id: string) => {
    const store = await connectPostgresStore(
      database.url,
      { clock, random: seededRandom(1) },
      { create: true },
    )
    stores.push(store)
    const elector = createLeaderElector({
      store,
      clock,
      holder: { id, hostname: `host-${id}`, pid: 1, address: `${id}:8081` },
    })
    electors.push(elector)
    const state: ReconcileStateStore = createSharedReconcileState({
      db: store.db,
      epoch: () => elector.epoch,
      clock,
    })
    return { elector, state }
  }
  const release = async (elector: LeaderElector) => {
    const stop = new AbortController()
    stop.abort()
    await elector.run(stop.signal)
  }

  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(async () => {
    for (const e of electors) await release(e)
    for (const s of stores) await s.close()
    await database?.drop()
  })

  it('lets only the current epoch write the status; a deposed leader cannot overwrite its successor', async () => {
    const a = await replica('a')
    const b = await replica('b')
    expect(await a.elector.step()).toBe(true)
    expect(await b.elector.step()).toBe(false)
    expect(await b.state.fetchStatus()).toBeUndefined()

    await a.state.writeStatus(applied('c1'))
    // a follower reads the leader's record, and cannot write one
    expect(await b.state.fetchStatus()).toMatchObject({ lastApplied: { commit: 'c1' } })
    await expect(b.state.writeStatus(applied('from-b'))).rejects.toMatchObject(FENCED)

    // a hands over; b leads with the next epoch; a writes with its stale epoch anyway
    const staleEpoch = a.elector.epoch as number
    await release(a.elector)
    expect(await b.elector.step()).toBe(true)
    await b.state.writeStatus(applied('c2'))
    const stale = createSharedReconcileState({ db: stores[0]!.db, epoch: () => staleEpoch, clock })
    await expect(stale.writeStatus(applied('c1-late'))).rejects.toMatchObject({
      ...FENCED,
      data: { reason: 'fenced', epoch: staleEpoch, currentEpoch: b.elector.epoch },
    })
    await expect(a.state.writeStatus(applied('c1-late'))).rejects.toMatchObject(FENCED)
    expect(await a.state.fetchStatus()).toMatchObject({ lastApplied: { commit: 'c2' } })
  })

  it('keeps the suspend flag where every replica reads and writes it', async () => {
    const [a, b] = [await replica('c'), await replica('d')]
    await b.state.writeSuspend({ suspended: true, atMs: 5, actor: 'os:alice', reason: 'freeze' })
    expect(await a.state.fetchSuspend()).toEqual({
      suspended: true,
      atMs: 5,
      actor: 'os:alice',
      reason: 'freeze',
    })
    await a.state.writeSuspend({ suspended: false, atMs: 6, actor: 'os:bob' })
    expect(await b.state.fetchSuspend()).toMatchObject({ suspended: false, actor: 'os:bob' })
  })

  it('queues forwarded cycle requests until the leader answers them, fenced like the status', async () => {
    const leader = electors.find((e) => e.isLeader())
    expect(leader).toBeDefined()
    const follower = await replica('e')
    const leading = createSharedReconcileState({
      db: stores[electors.indexOf(leader!)]!.db,
      epoch: () => leader!.epoch,
      clock,
    })
    const requests = follower.state.requests!
    const first = await requests.request()
    const second = await requests.request()
    expect(second).toBe(first + 1)
    expect(await leading.requests!.fetchPending()).toBe(second)
    expect(await requests.fetchAnswer(first)).toBeUndefined()

    const answer = { result: 'unchanged' as const, commit: 'c2', cached: true, forwardedTo: { epoch: 2 } }
    await expect(requests.answer(second, answer)).rejects.toMatchObject(FENCED)
    await leading.requests!.answer(second, answer)
    expect(await requests.fetchAnswer(first)).toEqual(answer)
    expect(await requests.fetchAnswer(second)).toEqual(answer)
    expect(await leading.requests!.fetchPending()).toBeUndefined()
    // a later request is not covered by the earlier answer
    const third = await requests.request()
    expect(await requests.fetchAnswer(third)).toBeUndefined()
    expect(await leading.requests!.fetchPending()).toBe(third)
  })

  it('gives up waiting for an answer with ERR_API_UNAVAILABLE naming the leader; the request stays queued', async () => {
    const follower = await replica('f')
    const leader = electors.find((e) => e.isLeader())!
    const waiting = forwardCycle(follower.state.requests!, {
      clock,
      leaderInfo: () => ({ holder: leader.leaderInfo().holder }),
    })
    const settled = waiting.catch((err: unknown) => err)
    await clock.waitForSleepers(1)
    clock.advance(FORWARD_WAIT_MS)
    expect(await settled).toMatchObject({
      code: 'ERR_API_UNAVAILABLE',
      data: { reason: 'forward-timeout', leader: { address: leader.leaderInfo().holder?.address } },
    })
    expect(await follower.state.requests!.fetchPending()).toBeDefined()
  })
})
