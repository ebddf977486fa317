/**
 * Two real `sigil server` replicas with a Git source on one PostgreSQL database: `sigil status`
 * through the follower's admin socket reports the leader's last applied commit; `reconcile now`
 * through the follower is run by the leader; a suspend set through either replica binds the
 * leader, and survives SIGKILL of the leader: the new leader stays suspended until resumed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { cryptoRandom } from '../../../engine/platform/crypto-random.js'
import { callReconcile } from '../../../engine/reconcile/control.js'
import type { NowResult } from '../../../engine/reconcile/state-store.js'
import type { ReconcileStatus } from '../../../engine/reconcile/status.js'
import { runSigil } from '../../support/cli.js'
import { createTestDatabase, postgresSuite } from '../../conformance/store/backends.js'
import { identityFiles, Remote } from '../../unit/engine/reconcile/support.js'
import { exitOf, startReplica, waitFor, waitForLeader, type Replica } from './replicas.js'

const { suite, title } = await postgresSuite(
  'reconcile status shared by sigil server replicas',
  'shared reconcile status',
)

const status = (r: Replica) => callReconcile<ReconcileStatus>(r.adminSocket, 'reconcileStatus')
const SUSPENDED = { code: 'ERR_API_INVALID_ARGUMENT', data: { reason: 'suspended' } }

/** `sigil status --format json` through the replica's admin socket. */
async function statusCli(r: Replica): Promise<ReconcileStatus & { server: string; leaderInfo: never }> {
  const res = await runSigil(['status', '--format', 'json', '--data-dir', r.dataDir])
  expect(res.code, res.stderr).toBe(0)
  return JSON.parse(res.stdout) as ReconcileStatus & { server: string; leaderInfo: never }
}

async function reconcileCli(r: Replica, ...args: string[]) {
  const res = await runSigil(['reconcile', ...args, '--data-dir', r.dataDir])
  expect(res.code, res.stderr).toBe(0)
}

const appliedCommit = (r: Replica, commit: string) =>
  waitFor(`commit ${commit.slice(0, 8)} applied`, async () =>
    (await status(r)).lastApplied?.commit === commit ? true : undefined,
  )

suite(title, () => {
  let dir: string
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let remote: Remote
  const replicas: Replica[] = []

  const start = async (name: string) => {
    // a long interval: only the start, leader, resume and forwarded cycles run during the test
    const source = `source:\n  git:\n    url: ${JSON.stringify(remote.url)}\n    interval: 1h`
    const replica = await startReplica(dir, name, database.url, source)
    replicas.push(replica)
    return replica
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sigil-ha-status-'))
    writeFileSync(join(dir, 'ca-kek'), Buffer.from(cryptoRandom.bytes(32)).toString('hex'), { mode: 0o600 })
    database = await createTestDatabase()
    remote = new Remote(identityFiles(2))
  })
  afterAll(async () => {
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL')
    await database?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers status, now and suspend through either replica, and keeps suspend across failover', async () => {
    const a = await start('a')
    const aLeads = await waitForLeader(database.url, a, 'a')
    const first = remote.head()
    await appliedCommit(a, first)
    const b = await start('b')

    // the follower reports the leader's record, and its own leadership
    const viaFollower = await statusCli(b)
    expect(viaFollower).toMatchObject({
      server: 'running',
      leader: false,
      lastApplied: { commit: first },
      lastAttempt: { commit: first },
      counts: { desired: 3, live: 3 },
      leaderInfo: { mode: 'elected', isLeader: false, holder: { pid: a.child.pid, epoch: aLeads.epoch } },
    })
    expect((await status(a)).lastApplied).toEqual(viaFollower.lastApplied)

    // `reconcile now` through the follower: the leader runs the cycle and says so
    const second = remote.push(identityFiles(3))
    const forwarded = await callReconcile<NowResult>(b.adminSocket, 'reconcileNow')
    expect(forwarded).toMatchObject({
      result: 'applied',
      commit: second,
      forwardedTo: { address: aLeads.address, epoch: aLeads.epoch },
    })
    expect((await statusCli(b)).lastApplied?.commit).toBe(second)

    // suspended through the follower: the leader honours it
    await reconcileCli(b, 'suspend', '--reason', 'freeze')
    expect(await status(a)).toMatchObject({ leader: true, suspended: true })
    await expect(callReconcile(a.adminSocket, 'reconcileNow')).rejects.toMatchObject(SUSPENDED)
    await reconcileCli(a, 'resume')
    expect((await status(b)).suspended).toBe(false)

    // suspended through the leader, which then dies: the new leader stays suspended
    await reconcileCli(a, 'suspend', '--reason', 'maintenance')
    const third = remote.push(identityFiles(4))
    a.child.kill('SIGKILL')
    await exitOf(a)
    const bLeads = await waitForLeader(database.url, b, 'b')
    expect(bLeads.epoch).toBeGreaterThan(aLeads.epoch)
    await waitFor('b to know it leads', async () => ((await status(b)).leader ? true : undefined))
    await expect(callReconcile(b.adminSocket, 'reconcileNow')).rejects.toMatchObject(SUSPENDED)
    expect(await statusCli(b)).toMatchObject({
      leader: true,
      suspended: true,
      lastApplied: { commit: second },
    })

    // resumed, the new leader continues from the shared record and applies the waiting commit
    await reconcileCli(b, 'resume')
    await appliedCommit(b, third)
    expect(b.stderr()).not.toContain('cannot write the reconcile status')

    b.child.kill('SIGTERM')
    expect(await exitOf(b), b.stderr()).toBe(0)
  })
})
