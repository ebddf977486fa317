import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGitReader } from '../../../../engine/reconcile/git-reader.js'
import { createServerMetrics } from '../../../../engine/reconcile/metrics.js'
import {
  openReconciler,
  type Leadership,
  type ReconcileSettings,
} from '../../../../engine/reconcile/reconciler.js'
import { fileReconcileState } from '../../../../engine/reconcile/state-store.js'
import { readStatusFile } from '../../../../engine/reconcile/status.js'
import { silentLogger } from '../../../../engine/platform/logger.js'
import type { RegistrationStore } from '../../../../engine/store/registration-store.js'
import { openSqliteStore } from '../../../../engine/store/sqlite-store.js'
import { FakeClock } from '../../../support/fake-clock.js'
import { tempDir } from '../../../support/git.js'
import { seededRandom } from '../../../support/seeded-random.js'
import { editOutsideGit, identityFiles, Remote } from './support.js'

let dir: string
let store: RegistrationStore
let clock: FakeClock

beforeEach(() => {
  dir = tempDir('sigil-reconciler-')
  clock = new FakeClock()
  store = openSqliteStore(':memory:', { clock, random: seededRandom() })
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

function open(
  remote: Remote,
  settings: Partial<ReconcileSettings> = {},
  leadership?: Leadership,
  cacheName = 'git',
) {
  const metrics = createServerMetrics()
  let pushes = 0
  const reconciler = openReconciler(
    { mode: 'apply', suspend: false, source: { url: remote.url, intervalMs: 60_000 }, ...settings },
    {
      clock,
      random: seededRandom(),
      logger: silentLogger(),
      store,
      state: fileReconcileState(dir),
      metrics,
      leadership: leadership ?? { isLeader: () => true },
      source: createGitReader({ url: remote.url, cacheDir: join(dir, cacheName) }),
      builtinPolicies: [],
      sigilVersion: 'test',
      onApplied: () => pushes++,
    },
  )
  return { reconciler, metrics, pushes: () => pushes }
}

describe('reconciler', () => {
  it('records status, persists it and exposes the metrics', async () => {
    const remote = new Remote(identityFiles(2))
    const { reconciler: pending, metrics, pushes } = open(remote)
    const reconciler = await pending
    const stop = new AbortController()
    const running = reconciler.run(stop.signal)
    // the start cycle applies; `now` runs after it (queued behind it when it is still running)
    await reconciler.now()
    expect(pushes()).toBe(1)
    const status = await reconciler.status()
    expect(status).toMatchObject({
      mode: 'apply',
      leader: true,
      suspended: false,
      lastApplied: { commit: remote.head() },
      lastAttempt: { trigger: 'manual' },
      counts: { desired: 3, live: 3, unmanaged: 0, drifted: 0 },
    })
    expect(reconciler.ready).toBe(true)
    await editOutsideGit(store, (e) => e.name === 'w1', 'x')
    expect(await reconciler.now()).toMatchObject({ result: 'applied', drift: { reverted: true } })
    expect((await reconciler.status()).drift).toMatchObject({ detected: false, reverted: true, total: 1 })
    stop.abort()
    await running
    expect(await readStatusFile(dir)).toMatchObject({ lastApplied: { commit: remote.head() } })
    const text = await metrics.render()
    expect(text).toContain('sigil_reconcile_total{result="applied"} 2')
    expect(text).toContain('sigil_reconcile_drift_changes_total{action="reverted"} 1')
    expect(text).toContain('sigil_reconcile_entries{state="live"} 3')
    expect(text).toMatch(/sigil_reconcile_last_success_timestamp_seconds \d+/)
  })

  it('keeps suspend across a restart, refuses now while suspended, and resumes', async () => {
    const remote = new Remote(identityFiles(1))
    const first = await open(remote).reconciler
    await first.suspend('os:alice', 'maintenance')
    const second = await open(remote).reconciler
    expect((await second.status()).suspended).toBe(true)
    await expect(second.now()).rejects.toMatchObject({
      code: 'ERR_API_INVALID_ARGUMENT',
      data: { reason: 'suspended' },
    })
    expect(second.trigger('webhook:github')).toBe(false)
    await second.resume('os:alice')
    expect((await second.status()).suspended).toBe(false)
  })

  it('cannot resume what the configuration file suspends', async () => {
    const remote = new Remote(identityFiles(1))
    const reconciler = await open(remote, { suspend: true }).reconciler
    expect(await reconciler.status()).toMatchObject({ suspended: true, suspendedByConfig: true })
    await expect(reconciler.resume('os:alice')).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' })
  })

  it('skips cycles while this replica is not the leader, and reconciles at once on becoming leader', async () => {
    const remote = new Remote(identityFiles(1))
    let leader = false
    const listeners: ((l: boolean) => void)[] = []
    const { reconciler: pending, metrics } = open(
      remote,
      {},
      {
        isLeader: () => leader,
        leaderInfo: () => ({ mode: 'elected', holder: { hostname: 'replica-b' } }),
        onChange: (fn) => {
          listeners.push(fn)
          return () => listeners.splice(listeners.indexOf(fn), 1)
        },
      },
    )
    const reconciler = await pending
    const stop = new AbortController()
    const running = reconciler.run(stop.signal)
    expect(await reconciler.now()).toMatchObject({ result: 'skipped' })
    expect(await reconciler.status()).toMatchObject({
      leader: false,
      leaderInfo: { holder: { hostname: 'replica-b' } },
    })
    leader = true
    for (const fn of listeners) fn(true)
    await expect.poll(async () => (await reconciler.status()).lastApplied?.commit).toBe(remote.head())
    stop.abort()
    await running
    expect(listeners).toHaveLength(0)
    expect(await metrics.render()).toContain('sigil_reconcile_leader 1')
  })

  it('restores the applied commit after a restart and stays ready while the head is broken', async () => {
    const remote = new Remote(identityFiles(1))
    const first = await open(remote).reconciler
    const stop = new AbortController()
    let running = first.run(stop.signal)
    const applied = await first.now()
    remote.push({ 'entries.yaml': 'kind: [' })
    stop.abort()
    await running
    const second = await open(remote).reconciler
    const stop2 = new AbortController()
    running = second.run(stop2.signal)
    expect(await second.now()).toMatchObject({ result: 'failed', error: { code: 'ERR_MODEL_INVALID' } })
    expect(second.ready).toBe(true)
    expect((await second.status()).lastApplied?.commit).toBe(applied.commit)
    stop2.abort()
    await running
  })

  it('a replica that becomes leader continues from the stored status, so drift stays drift', async () => {
    // two replicas, one state store and one registration store; b is a follower from the start
    const remote = new Remote(identityFiles(2))
    let bLeads = false
    const listeners: ((l: boolean) => void)[] = []
    const b = await open(
      remote,
      { mode: 'warn' },
      {
        isLeader: () => bLeads,
        onChange: (fn) => {
          listeners.push(fn)
          return () => listeners.splice(listeners.indexOf(fn), 1)
        },
      },
      'git-b',
    ).reconciler
    const stopB = new AbortController()
    const runningB = b.run(stopB.signal)
    const a = await open(remote, { mode: 'warn' }, undefined, 'git-a').reconciler
    const stopA = new AbortController()
    const runningA = a.run(stopA.signal)
    await a.now() // queued behind the start cycle, which applied
    const applied = (await a.status()).lastApplied
    expect(applied?.commit).toBe(remote.head())
    stopA.abort()
    await runningA
    await editOutsideGit(store, (e) => e.name === 'w1', 'changed by hand')

    bLeads = true
    for (const fn of listeners) fn(true)
    // without the stored applied commit, b would take the hand edit for Git's and revert it silently
    expect(await b.now()).toMatchObject({ result: 'drift_reported', drift: { detected: true, total: 1 } })
    expect((await store.readLiveState()).entries.find((e) => e.name === 'w1')?.hint).toBe('changed by hand')
    expect(await b.status()).toMatchObject({
      leader: true,
      lastApplied: { commit: applied?.commit, atMs: applied?.atMs },
      drift: { detected: true, total: 1 },
    })
    stopB.abort()
    await runningB
  })
})
