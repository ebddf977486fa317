/**
 * Two real `sigil server` processes on one PostgreSQL database: the first leads; SIGKILL it and the
 * second takes over within seconds with a higher epoch, the old epoch's commits are refused, and
 * the survivor keeps serving agents (renewal with an SVID the dead leader issued, attestation with
 * a token created there) under the same bundle.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openPostgresStore } from '../../../engine/store/postgres-store.js'
import { openAdminClientStore } from '../../../engine/store/admin-client-store.js'
import { cryptoRandom } from '../../../engine/platform/crypto-random.js'
import { systemClock } from '../../../engine/platform/system-clock.js'
import { createTestDatabase, postgresSuite } from '../../conformance/store/backends.js'
import { agentClient, newAgentKeys, unary, type Harness, type WireSvid } from '../server/harness.js'
import { exitOf, startReplica, waitForLeader, type Replica } from './replicas.js'

const { suite, title } = await postgresSuite('sigil server replicas on PostgreSQL', 'leader failover')

suite(title, () => {
  let dir: string
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let url: string
  const replicas: Replica[] = []

  const start = async (name: string): Promise<Replica> => {
    const replica = await startReplica(dir, name, url, 'httpListen: 127.0.0.1:0')
    replicas.push(replica)
    return replica
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
    const first = await waitForLeader(url, a, 'a')
    const b = await start('b')
    // one CA for both: the same bundle, so SVIDs from either verify everywhere
    expect(readFileSync(join(b.dataDir, 'bundle.pem'), 'utf8')).toBe(
      readFileSync(join(a.dataDir, 'bundle.pem'), 'utf8'),
    )
    // one access-token key for both: a token from either verifies through either's JWKS
    const jwks = async (r: Replica) => (await fetch(`http://127.0.0.1:${r.httpPort}/oauth2/jwks`)).json()
    const jwksA = (await jwks(a)) as { keys: unknown[] }
    expect(jwksA.keys).toHaveLength(1)
    expect(await jwks(b)).toEqual(jwksA)
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
    const second = await waitForLeader(url, b, 'b')
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
    expect(await exitOf(b), b.stderr()).toBe(0)
  })
})
