/**
 * Two real `sigil server` processes on one PostgreSQL database: the first leads; SIGKILL it and the
 * second takes over within seconds with a higher epoch, the old epoch's commits are refused, and
 * the survivor keeps serving agents (renewal with an SVID the dead leader issued, attestation with
 * a token created there) under the same bundle.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresStore } from '../../../engine/store/postgres-store.js'
import { openAdminClientStore } from '../../../engine/store/admin-client-store.js'
import type { LeaderHolder } from '../../../engine/ha/leadership.js'
import { cryptoRandom } from '../../../engine/platform/crypto-random.js'
import { systemClock } from '../../../engine/platform/system-clock.js'
import { PROJECT_ROOT, SIGIL_BIN } from '../../support/cli.js'
import {
  createTestDatabase,
  isPostgresReachable,
  POSTGRES_ADMIN_URL,
} from '../../conformance/store/backends.js'
import { agentClient, newAgentKeys, unary, type Harness, type WireSvid } from '../server/harness.js'

interface Replica {
  readonly child: ChildProcess
  readonly dataDir: string
  readonly port: number
  readonly stderr: () => string
}

/** Polls `fn` every 100 ms until it returns a value, or fails after `timeoutMs`. */
async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const reachable = await isPostgresReachable()
const suite = reachable ? describe : describe.skip
const title = reachable
  ? 'sigil server replicas on PostgreSQL'
  : `!!! SKIPPED: leader failover — no PostgreSQL reachable at ${new URL(POSTGRES_ADMIN_URL).host} !!!`

suite(title, () => {
  let dir: string
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let url: string
  const replicas: Replica[] = []

  const start = async (name: string): Promise<Replica> => {
    const dataDir = join(dir, name)
    const config = join(dir, `${name}.yaml`)
    writeFileSync(
      config,
      [
        `store: ${JSON.stringify(url)}`,
        `ha: { caKeyFile: ${JSON.stringify(join(dir, 'ca-kek'))}, electionRetry: 200ms }`,
        'trustDomain: example.org',
        `dataDir: ${JSON.stringify(dataDir)}`,
        'listen: 127.0.0.1:0',
        'logLevel: warn',
      ].join('\n'),
    )
    const child = spawn(process.execPath, [SIGIL_BIN, 'server', '--config', config], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    const port = await waitFor(
      `${name} to listen (${err})`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${err}`)
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out)
        return m ? Number(m[1]) : undefined
      },
      60_000,
    )
    const replica = { child, dataDir, port, stderr: () => err }
    replicas.push(replica)
    return replica
  }

  const leader = async (): Promise<LeaderHolder | undefined> => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      const res = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'leader_holder'")
      const text = res.rows[0]?.value
      return text ? (JSON.parse(text) as LeaderHolder) : undefined
    } finally {
      await c.end()
    }
  }

  const client = (r: Replica) =>
    agentClient({
      bundlePem: () => readFileSync(join(r.dataDir, 'bundle.pem'), 'utf8'),
      address: `127.0.0.1:${r.port}`,
    } as Harness)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sigil-ha-'))
    writeFileSync(join(dir, 'ca-kek'), Buffer.from(cryptoRandom.bytes(32)).toString('hex'), { mode: 0o600 })
    database = await createTestDatabase()
    url = database.url
  })
  afterAll(async () => {
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL')
    await database?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('fails over to the second replica after SIGKILL of the leader, fencing the old epoch', async () => {
    const a = await start('a')
    const first = await waitFor('a to lead', async () => {
      const h = await leader()
      return h?.pid === a.child.pid ? h : undefined
    })
    const b = await start('b')
    // one CA for both: the same bundle, so SVIDs from either verify everywhere
    expect(readFileSync(join(b.dataDir, 'bundle.pem'), 'utf8')).toBe(
      readFileSync(join(a.dataDir, 'bundle.pem'), 'utf8'),
    )
    const admin = openAdminClientStore(`unix://${join(a.dataDir, 'admin', 'admin.sock')}`)
    const t1 = await admin.createJoinToken({ ttlMs: 600_000, agentName: 'host-1', actor: 'test' })
    const t2 = await admin.createJoinToken({ ttlMs: 600_000, agentName: 'host-2', actor: 'test' })
    const keys = newAgentKeys()
    const attested = await unary<{ svid: WireSvid }>(client(a), 'AttestAgent', {
      join_token: { token: t1.token },
      csr: keys.csrDer,
    })
    expect(attested.svid.spiffe_id).toBe('spiffe://example.org/spire/agent/join_token/host-1')

    const killedAt = Date.now()
    a.child.kill('SIGKILL')
    const second = await waitFor('b to take over', async () => {
      const h = await leader()
      return h?.pid === b.child.pid ? h : undefined
    })
    expect(Date.now() - killedAt).toBeLessThan(10_000)
    expect(second.epoch).toBeGreaterThan(first.epoch)

    const store = openPostgresStore(url, { clock: systemClock, random: cryptoRandom })
    try {
      const req = async () => ({
        base: await store.fetchRevision(),
        writes: [],
        atMs: Date.now(),
        audit: { actor: 'os:test', details: {}, changes: [] },
      })
      await expect(store.commitChangesAtEpoch(await req(), first.epoch)).rejects.toMatchObject({
        code: 'ERR_STORE_CONFLICT',
        data: { reason: 'fenced', epoch: first.epoch, currentEpoch: second.epoch },
      })
      await expect(store.commitChangesAtEpoch(await req(), second.epoch)).resolves.toMatchObject({
        revision: 1,
      })
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true })
    } finally {
      await store.close()
    }

    // the survivor serves agents: a renewal with the SVID the dead leader issued, a new attestation
    const mtls = agentClient(
      {
        bundlePem: () => readFileSync(join(b.dataDir, 'bundle.pem'), 'utf8'),
        address: `127.0.0.1:${b.port}`,
      } as Harness,
      { keyPem: keys.keyPem, chain: attested.svid.cert_chain },
    )
    const renewed = await unary<{ svid: WireSvid }>(mtls, 'RenewAgent', { csr: newAgentKeys().csrDer })
    expect(renewed.svid.spiffe_id).toBe('spiffe://example.org/spire/agent/join_token/host-1')
    const other = await unary<{ svid: WireSvid }>(client(b), 'AttestAgent', {
      join_token: { token: t2.token },
      csr: newAgentKeys().csrDer,
    })
    expect(other.svid.spiffe_id).toBe('spiffe://example.org/spire/agent/join_token/host-2')

    b.child.kill('SIGTERM')
    const code = await new Promise<number | null>((r) =>
      b.child.exitCode !== null ? r(b.child.exitCode) : b.child.once('exit', (c) => r(c)),
    )
    expect(code, b.stderr()).toBe(0)
  })
})
