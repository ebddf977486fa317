import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ReconcileCycle, type CycleDeps } from '../../../../engine/reconcile/cycle.js'
import { createGitReader } from '../../../../engine/reconcile/git-reader.js'
import { readBuiltinPolicies } from '../../../../engine/source/builtin-policies.js'
import type { RegistrationStore } from '../../../../engine/store/registration-store.js'
import { openSqliteStore } from '../../../../engine/store/sqlite-store.js'
import { FakeClock } from '../../../support/fake-clock.js'
import { git, tempDir } from '../../../support/git.js'
import { seededRandom } from '../../../support/seeded-random.js'
import { createUnmanaged, editOutsideGit, identityFiles, Remote } from './support.js'

let dir: string
let store: RegistrationStore
let clock: FakeClock
const policies = await readBuiltinPolicies()

function cycleFor(
  remote: Remote,
  options: Partial<CycleDeps> & {
    verify?: { mode: 'head' | 'tag'; allowedSigners?: string }
    ref?: string
  } = {},
) {
  const source = createGitReader({
    url: remote.url,
    cacheDir: join(dir, 'git'),
    ...(options.ref ? { ref: options.ref } : {}),
    ...(options.verify ? { verify: options.verify } : {}),
  })
  return new ReconcileCycle({
    clock,
    store,
    source,
    builtinPolicies: policies,
    mode: 'apply',
    actor: 'sigil:reconciler',
    sigilVersion: 'test',
    isLeader: () => true,
    ...options,
  })
}

const managed = async () => (await store.readLiveState()).entries.filter((e) => e.id.startsWith('sigil.'))

beforeEach(() => {
  dir = tempDir('sigil-cycle-')
  clock = new FakeClock()
  store = openSqliteStore(':memory:', { clock, random: seededRandom() })
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('reconcile cycle', () => {
  it('applies the head commit, then skips lint and plan while nothing moved', async () => {
    const remote = new Remote(identityFiles(3))
    const cycle = cycleFor(remote)
    const first = await cycle.run()
    expect(first).toMatchObject({
      result: 'applied',
      commit: remote.head(),
      changes: { create: 5, update: 0, delete: 0 }, // trust domain, node, 3 entries
      counts: { desired: 4, live: 4, unmanaged: 0 },
      cached: false,
    })
    expect(await managed()).toHaveLength(4)
    const second = await cycle.run()
    expect(second).toMatchObject({ result: 'unchanged', cached: true, commit: remote.head() })
    expect(second.applied?.revision).toBe(first.applied?.revision)
  })

  it('applies a one-entry change from a new commit and records which commit it came from', async () => {
    const remote = new Remote(identityFiles(3))
    const cycle = cycleFor(remote)
    await cycle.run()
    const commit = remote.push(identityFiles(3, { hint: (i) => (i === 1 ? 'edited' : '') }))
    const result = await cycle.run()
    expect(result).toMatchObject({ result: 'applied', commit, changes: { create: 0, update: 1, delete: 0 } })
    const w1 = (await managed()).find((e) => e.name === 'w1')
    expect(w1).toMatchObject({ hint: 'edited', sourceCommit: commit })
    expect(result.drift).toMatchObject({ detected: false, total: 0 })
  })

  it('keeps the last good commit on broken YAML and a policy error, and resumes on the next good commit', async () => {
    const remote = new Remote(identityFiles(2))
    const cycle = cycleFor(remote)
    const good = await cycle.run()
    const before = await store.fetchRevision()
    const broken = remote.push({
      'entries.yaml': 'apiVersion: sigil/v1\nkind: Entry\nmetadata: { name: [oops\n',
    })
    const failed = await cycle.run()
    expect(failed).toMatchObject({ result: 'failed', commit: broken, error: { code: 'ERR_MODEL_INVALID' } })
    expect(failed.applied).toBeUndefined()
    expect(cycle.lastApplied?.commit).toBe(good.commit)
    expect(await store.fetchRevision()).toEqual(before)
    // the same broken commit is not linted again, and still reported
    expect(await cycle.run()).toMatchObject({
      result: 'failed',
      cached: true,
      error: { code: 'ERR_MODEL_INVALID' },
    })
    const fixed = remote.push(identityFiles(3))
    expect(await cycle.run()).toMatchObject({ result: 'applied', commit: fixed, changes: { create: 1 } })
  })

  it('keeps the last good state while the remote is unreachable', async () => {
    const remote = new Remote(identityFiles(2))
    const cycle = cycleFor(remote)
    await cycle.run()
    remote.setReachable(false)
    const failed = await cycle.run()
    expect(failed).toMatchObject({ result: 'failed', error: { code: 'ERR_SOURCE_UNREACHABLE' } })
    expect(await managed()).toHaveLength(3)
    remote.setReachable(true)
    expect(await cycle.run()).toMatchObject({ result: 'unchanged' })
  })

  it('refuses an oversized deletion and keeps every entry', async () => {
    const remote = new Remote(identityFiles(20, { maxDeletions: '10%' }))
    const cycle = cycleFor(remote)
    await cycle.run()
    remote.push(identityFiles(5, { maxDeletions: '10%' }))
    const refused = await cycle.run()
    expect(refused).toMatchObject({ result: 'refused', error: { code: 'ERR_APPLY_TOO_MANY_DELETIONS' } })
    expect(await managed()).toHaveLength(21)
  })

  it('reverts drift in apply mode and leaves unmanaged entries alone', async () => {
    const remote = new Remote(identityFiles(3))
    const cycle = cycleFor(remote)
    await cycle.run()
    await createUnmanaged(store, 'other.1')
    await editOutsideGit(store, (e) => e.name === 'w2', 'hand-edited')
    const result = await cycle.run()
    expect(result).toMatchObject({
      result: 'applied',
      drift: {
        detected: true,
        reverted: true,
        total: 1,
        changes: [{ action: 'update', name: 'w2', fields: ['hint'] }],
      },
      counts: { unmanaged: 1 },
    })
    expect((await managed()).find((e) => e.name === 'w2')?.hint).toBe('')
    expect((await store.fetchEntry('other.1'))?.selectors).toEqual(['unix:uid:1000'])
    expect(await cycle.run()).toMatchObject({ result: 'unchanged', cached: true })
  })

  it('only reports drift in warn mode, yet applies what a new commit asks for', async () => {
    const remote = new Remote(identityFiles(3))
    const cycle = cycleFor(remote, { mode: 'warn' })
    await cycle.run()
    await editOutsideGit(store, (e) => e.name === 'w0', 'hand-edited')
    const reported = await cycle.run()
    expect(reported).toMatchObject({
      result: 'drift_reported',
      drift: { detected: true, reverted: false, total: 1 },
      changes: { create: 0, update: 0, delete: 0 },
    })
    expect((await managed()).find((e) => e.name === 'w0')?.hint).toBe('hand-edited')
    remote.push(identityFiles(4))
    const next = await cycle.run()
    expect(next).toMatchObject({ result: 'drift_reported', changes: { create: 1 }, drift: { total: 1 } })
    const entries = await managed()
    expect(entries.find((e) => e.name === 'w0')?.hint).toBe('hand-edited')
    expect(entries.find((e) => e.name === 'w3')).toBeDefined()
  })

  it('still reverts drift from the last applied commit while the head is broken or unreachable', async () => {
    const remote = new Remote(identityFiles(3))
    const cycle = cycleFor(remote)
    const good = await cycle.run()
    remote.push({ 'entries.yaml': 'kind: [' })
    await editOutsideGit(store, (e) => e.name === 'w0', 'hand-edited')
    const broken = await cycle.run()
    expect(broken).toMatchObject({
      result: 'failed',
      error: { code: 'ERR_MODEL_INVALID' },
      drift: { detected: true, reverted: true, total: 1 },
    })
    expect((await managed()).find((e) => e.name === 'w0')?.hint).toBe('')
    expect(cycle.lastApplied?.commit).toBe(good.commit)
    remote.setReachable(false)
    await editOutsideGit(store, (e) => e.name === 'w1', 'hand-edited')
    expect(await cycle.run()).toMatchObject({
      result: 'failed',
      error: { code: 'ERR_SOURCE_UNREACHABLE' },
      drift: { reverted: true, total: 1 },
    })
    expect((await managed()).find((e) => e.name === 'w1')?.hint).toBe('')
  })

  it('refuses a commit that breaks a policy', async () => {
    const remote = new Remote(identityFiles(1))
    const cycle = cycleFor(remote)
    await cycle.run()
    remote.push({
      'extra.yaml': `apiVersion: sigil/v1
kind: Entry
metadata: { name: lonely }
spec:
  spiffeID: spiffe://example.org/production/lonely
  parentID: spiffe://example.org/nodes/production
  selectors: ["k8s:ns:default"]
`,
    })
    const result = await cycle.run()
    expect(result).toMatchObject({ result: 'failed', error: { code: 'ERR_MODEL_INVALID' } })
    expect(result.error?.data?.['policyErrors']).toBeGreaterThan(0)
    expect(await managed()).toHaveLength(2)
  })

  it('does not apply when this replica is not the leader', async () => {
    const remote = new Remote(identityFiles(1))
    const cycle = cycleFor(remote, { isLeader: () => false })
    expect(await cycle.run()).toMatchObject({ result: 'skipped' })
    expect(await managed()).toHaveLength(0)
  })

  it('refuses a rewritten history', async () => {
    const remote = new Remote(identityFiles(1))
    const cycle = cycleFor(remote)
    await cycle.run()
    git(remote.work, 'commit', '-q', '--amend', '-m', 'rewritten')
    git(remote.work, 'push', '-q', '--force', 'origin', 'main')
    expect(await cycle.run()).toMatchObject({
      result: 'failed',
      error: { code: 'ERR_SOURCE_HISTORY_REWRITTEN' },
    })
  })
})

describe('commit verification', () => {
  it('applies an SSH-signed commit from an allowed signer and refuses an unsigned one', async () => {
    const keyDir = tempDir('sigil-keys-')
    const key = join(keyDir, 'id_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'signer', '-f', key])
    const allowed = join(keyDir, 'allowed_signers')
    writeFileSync(allowed, `test@example.org ${readFileSync(`${key}.pub`, 'utf8')}`)
    const remote = new Remote(identityFiles(1))
    const cycle = cycleFor(remote, { verify: { mode: 'head', allowedSigners: allowed } })
    expect(await cycle.run()).toMatchObject({ result: 'failed', error: { code: 'ERR_SOURCE_VERIFY_FAILED' } })
    expect(await managed()).toHaveLength(0)
    git(
      remote.work,
      '-c',
      'gpg.format=ssh',
      '-c',
      `user.signingkey=${key}`,
      'commit',
      '-q',
      '-S',
      '--allow-empty',
      '-m',
      'signed',
    )
    git(remote.work, 'push', '-q', 'origin', 'main')
    expect(await cycle.run()).toMatchObject({ result: 'applied', commit: remote.head() })
    rmSync(keyDir, { recursive: true, force: true })
  })
})
