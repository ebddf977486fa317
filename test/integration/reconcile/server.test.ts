import { createHmac } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cryptoRandom } from '../../../engine/platform/crypto-random.js'
import { systemClock } from '../../../engine/platform/system-clock.js'
import { openAdminClientStore } from '../../../engine/store/admin-client-store.js'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { runSigil } from '../../support/cli.js'
import { tempDir } from '../../support/git.js'
import {
  agentClient,
  newAgentKeys,
  unary,
  type Harness,
  type SyncMessage,
  type WireSvid,
} from '../server/harness.js'
import { editOutsideGit, Remote } from '../../unit/engine/reconcile/support.js'
import { bundlePem, http, startServerProcess, waitFor, type ServerProcess } from './support.js'

const AGENT = 'spiffe://example.org/spire/agent/join_token/host-1'
const SECRET = 'integration-webhook-secret-0123456789'

/** A repository whose entries are parented to the test agent, so its sync stream carries them. */
function repo(n: number, extra: Record<string, string> = {}): Record<string, string> {
  const entries = Array.from(
    { length: n },
    (_, i) => `apiVersion: sigil/v1
kind: Entry
metadata: { name: w${i} }
spec:
  spiffeID: spiffe://example.org/production/w${i}
  parentID: ${AGENT}
  selectors: ["unix:uid:100${i}", "unix:gid:100"]
`,
  )
  return {
    'trust-domain.yaml': `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: example.org }
spec:
  ownership: { entryIDPrefix: "sigil." }
  safety: { maxDeletions: "10%" }
`,
    'entries.yaml': entries.join('---\n'),
    ...extra,
  }
}

const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

async function sigilIn(server: ServerProcess, ...args: string[]) {
  return runSigil([...args, '--data-dir', server.dataDir])
}

async function attestAgent(server: ServerProcess) {
  const admin = openAdminClientStore(`unix://${server.adminSocket}`)
  const { token } = await admin.createJoinToken({ ttlMs: 600_000, agentName: 'host-1', actor: 'test' })
  const h = {
    bundlePem: () => bundlePem(server.dataDir),
    address: `127.0.0.1:${server.port}`,
  } as unknown as Harness
  const keys = newAgentKeys()
  const res = await unary<{ svid: WireSvid }>(agentClient(h), 'AttestAgent', {
    join_token: { token },
    csr: keys.csrDer,
  })
  expect(res.svid.spiffe_id).toBe(AGENT)
  const stream = agentClient(h, { keyPem: keys.keyPem, chain: res.svid.cert_chain }).SyncAuthorizedEntries({})
  const messages: SyncMessage[] = []
  stream.on('data', (m: SyncMessage) => messages.push(m))
  stream.on('error', () => undefined)
  return { messages, close: () => stream.cancel() }
}

describe('sigil server reconciling a Git remote (apply mode)', () => {
  let dir: string
  let remote: Remote
  let server: ServerProcess

  beforeAll(async () => {
    dir = tempDir('sigil-reconcile-it-')
    remote = new Remote(repo(4))
    writeFileSync(join(dir, 'webhook-secret'), SECRET + '\n')
    server = await startServerProcess(
      dir,
      `source:\n  git:\n    url: ${remote.url}\n    ref: main\n    interval: 1h\n    webhook: { secretFile: ${join(dir, 'webhook-secret')} }\nreconcile: { mode: apply }\n`,
    )
  })
  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0)
    rmSync(dir, { recursive: true, force: true })
  })

  it('applies the head commit at start, is ready, and shows it in sigil status and entry list', async () => {
    const status = await waitFor(async () => {
      const s = await server.status()
      return s.lastApplied ? s : undefined
    })
    expect(status).toMatchObject({ lastApplied: { commit: remote.head() }, counts: { desired: 4, live: 4 } })
    const ready = await http(server.httpPort, 'GET', '/readyz')
    expect(ready.status).toBe(200)
    expect((await http(server.httpPort, 'GET', '/healthz')).status).toBe(200)
    const cli = await sigilIn(server, 'status', '--format', 'json')
    expect(cli.code, cli.stderr).toBe(0)
    expect(JSON.parse(cli.stdout)).toMatchObject({
      server: 'running',
      leader: true,
      lastApplied: { commit: remote.head() },
    })
    const list = await runSigil([
      'entry',
      'list',
      '--format',
      'json',
      '--store',
      `unix://${server.adminSocket}`,
    ])
    expect((JSON.parse(list.stdout) as { entries: unknown[] }).entries).toHaveLength(4)
  })

  it('applies a pushed commit when the webhook fires and pushes it to the agent stream', async () => {
    const agent = await attestAgent(server)
    await waitFor(async () => (agent.messages.length > 0 ? true : undefined))
    expect(agent.messages[0]?.entries).toHaveLength(4)
    const commit = remote.push(repo(5))
    const body = JSON.stringify({ ref: 'refs/heads/main', after: commit })
    const bad = await http(server.httpPort, 'POST', '/hooks/git', {
      headers: { 'x-hub-signature-256': sign(body, 'wrong-secret'), 'x-github-event': 'push' },
      body,
    })
    expect(bad.status).toBe(401)
    const hook = await http(server.httpPort, 'POST', '/hooks/git', {
      headers: { 'x-hub-signature-256': sign(body), 'x-github-event': 'push' },
      body,
    })
    expect(hook.status).toBe(202)
    expect(JSON.parse(hook.body)).toEqual({ triggered: true })
    await waitFor(async () => ((await server.status()).lastApplied?.commit === commit ? true : undefined))
    const pushed = await waitFor(async () => agent.messages.find((m) => m.entries.length === 5))
    expect(pushed.entries.map((e) => e.spiffe_id)).toContain('spiffe://example.org/production/w4')
    agent.close()
  })

  it('keeps the last good commit for broken YAML, an unreachable remote and an oversized deletion', async () => {
    const good = remote.head()
    const broken = remote.push({ 'entries.yaml': 'apiVersion: sigil/v1\nkind: Entry\nmetadata: { name: [\n' })
    const now = await sigilIn(server, 'reconcile', 'now')
    expect(now.code).toBe(1)
    expect(now.stdout).toContain('ERR_MODEL_INVALID')
    expect(await server.status()).toMatchObject({
      lastApplied: { commit: good },
      lastAttempt: { commit: broken, result: 'failed', error: { code: 'ERR_MODEL_INVALID' } },
      counts: { live: 5 },
    })

    remote.push(repo(5))
    remote.setReachable(false)
    expect((await sigilIn(server, 'reconcile', 'now')).code).toBe(1)
    expect(await server.status()).toMatchObject({
      lastApplied: { commit: good },
      lastAttempt: { result: 'failed', error: { code: 'ERR_SOURCE_UNREACHABLE' } },
    })
    remote.setReachable(true)

    remote.push(repo(1))
    expect((await sigilIn(server, 'reconcile', 'now')).code).toBe(1)
    expect(await server.status()).toMatchObject({
      lastAttempt: { result: 'refused', error: { code: 'ERR_APPLY_TOO_MANY_DELETIONS' } },
      counts: { live: 5 },
    })
    const text = await sigilIn(server, 'status')
    expect(text.stdout).toContain('ERR_APPLY_TOO_MANY_DELETIONS')
    remote.push(repo(5))
    expect((await sigilIn(server, 'reconcile', 'now')).code).toBe(0)
    expect((await server.status()).lastApplied?.commit).toBe(remote.head())
  })

  it('reverts a change made outside Git by another process', async () => {
    const store = openSqliteStore(join(server.dataDir, 'sigil.db'), {
      clock: systemClock,
      random: cryptoRandom,
    })
    await editOutsideGit(store, (e) => e.name === 'w2', 'hand-edited')
    await store.close()
    const now = await sigilIn(server, 'reconcile', 'now')
    expect(now.code, now.stderr).toBe(0)
    expect(now.stdout).toContain('drift: 1 change(s) reverted')
    expect((await server.status()).drift).toMatchObject({ detected: false, reverted: true, total: 1 })
    const entry = (await openAdminClientStore(`unix://${server.adminSocket}`).listEntries()).items.find(
      (e) => e.name === 'w2',
    )
    expect(entry?.hint).toBe('')
  })

  it('suspends and resumes, and exposes the metrics the alerts use', async () => {
    expect((await sigilIn(server, 'reconcile', 'suspend', '--reason', 'maintenance')).code).toBe(0)
    expect(await server.status()).toMatchObject({ suspended: true })
    const body = JSON.stringify({ ref: 'refs/heads/main' })
    const hook = await http(server.httpPort, 'POST', '/hooks/git', {
      headers: { 'x-gitlab-token': SECRET, 'x-gitlab-event': 'Push Hook' },
      body,
    })
    expect(JSON.parse(hook.body)).toMatchObject({ triggered: false })
    expect((await sigilIn(server, 'reconcile', 'now')).code).toBe(1)
    expect((await sigilIn(server, 'reconcile', 'resume')).code).toBe(0)
    expect((await server.status()).suspended).toBe(false)
    const metrics = await http(server.httpPort, 'GET', '/metrics')
    expect(metrics.contentType).toContain('text/plain')
    for (const name of [
      'sigil_reconcile_duration_seconds_bucket',
      'sigil_reconcile_total{result="applied"}',
      'sigil_reconcile_failures_total{code="ERR_MODEL_INVALID"} 1',
      'sigil_reconcile_failures_total{code="ERR_SOURCE_UNREACHABLE"} 1',
      'sigil_reconcile_refusals_total{code="ERR_APPLY_TOO_MANY_DELETIONS"} 1',
      'sigil_reconcile_last_success_timestamp_seconds',
      'sigil_reconcile_entries{state="live"} 5',
      'sigil_reconcile_drift_changes_total{action="reverted"} 1',
      'sigil_svids_minted_total{type="agent"} 1',
      'sigil_webhook_requests_total{provider="github",result="unauthorized"} 1',
      'sigil_ca_rotation_failures_total 0',
    ])
      expect(metrics.body).toContain(name)
    expect(server.stderr()).not.toContain(SECRET)
  })
})

describe('sigil server in warn mode', () => {
  it('reports drift without reverting it', async () => {
    const dir = tempDir('sigil-reconcile-warn-')
    const remote = new Remote(repo(3))
    const server = await startServerProcess(
      dir,
      `source:\n  git:\n    url: ${remote.bare}\n    interval: 1h\nreconcile: { mode: warn }\n`,
    )
    try {
      await waitFor(async () => ((await server.status()).lastApplied ? true : undefined))
      const store = openSqliteStore(join(server.dataDir, 'sigil.db'), {
        clock: systemClock,
        random: cryptoRandom,
      })
      await editOutsideGit(store, (e) => e.name === 'w1', 'hand-edited')
      const now = await sigilIn(server, 'reconcile', 'now')
      expect(now.code, now.stderr).toBe(0)
      expect(await server.status()).toMatchObject({
        lastAttempt: { result: 'drift_reported' },
        drift: { detected: true, total: 1, changes: [{ action: 'update', name: 'w1', fields: ['hint'] }] },
        counts: { drifted: 1 },
      })
      const live = await store.readLiveState()
      expect(live.entries.find((e) => e.name === 'w1')?.hint).toBe('hand-edited')
      await store.close()
      const metrics = await http(server.httpPort, 'GET', '/metrics')
      expect(metrics.body).toContain('sigil_reconcile_drift_detected 1')
      expect(server.stderr()).toContain('drift detected')
    } finally {
      expect(await server.stop()).toBe(0)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
