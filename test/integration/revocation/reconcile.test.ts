/**
 * No heal: a `sigil server` reconciling a Git remote (apply mode) keeps a revoked identity out of
 * the agent's sync stream across reconcile cycles, including one that applies a new commit
 * touching the revoked entry's file; `sigil status` shows the revocation.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openAdminClientStore } from '../../../engine/store/admin-client-store.js'
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
import { Remote } from '../../unit/engine/reconcile/support.js'
import { bundlePem, startServerProcess, waitFor, type ServerProcess } from '../reconcile/support.js'

const AGENT = 'spiffe://example.org/spire/agent/join_token/host-1'
const W0 = 'spiffe://example.org/production/w0'

function repo(n: number, label = 'a'): Record<string, string> {
  const entries = Array.from(
    { length: n },
    (_, i) => `apiVersion: sigil/v1
kind: Entry
metadata: { name: w${i}, labels: { rev: ${label} } }
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
`,
    'entries.yaml': entries.join('---\n'),
  }
}

let dir: string
let remote: Remote
let server: ServerProcess
const messages: SyncMessage[] = []
let closeStream = () => {}
const lastIds = () => (messages.at(-1)?.entries.map((e) => e.spiffe_id) ?? []).sort()

beforeAll(async () => {
  dir = tempDir('sigil-revoke-reconcile-')
  remote = new Remote(repo(3))
  server = await startServerProcess(
    dir,
    `source:\n  git:\n    url: ${remote.url}\n    ref: main\n    interval: 1h\nreconcile: { mode: apply }\n`,
  )
})
afterAll(async () => {
  closeStream()
  if (server) await server.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('revocation across reconcile cycles', () => {
  it('is not healed by the loop applying a new commit', async () => {
    await waitFor(async () => ((await server.status()).lastApplied ? true : undefined))
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
    const stream = agentClient(h, { keyPem: keys.keyPem, chain: res.svid.cert_chain }).SyncAuthorizedEntries(
      {},
    )
    stream.on('data', (m: SyncMessage) => messages.push(m))
    stream.on('error', () => undefined)
    closeStream = () => stream.cancel()
    await waitFor(async () => (lastIds().length === 3 ? true : undefined))

    const revoked = await runSigil([
      'revoke',
      W0,
      '--reason',
      'incident',
      '--store',
      `unix://${server.adminSocket}`,
    ])
    expect(revoked.code, revoked.stderr).toBe(0)
    await waitFor(async () => (lastIds().includes(W0) ? undefined : true))

    // a new commit rewrites w0's document; the loop applies it, the block stays
    const commit = remote.push(repo(4, 'b'))
    const now = await runSigil(['reconcile', 'now', '--data-dir', server.dataDir])
    expect(now.code, now.stderr).toBe(0)
    await waitFor(async () => ((await server.status()).lastApplied?.commit === commit ? true : undefined))
    await waitFor(async () => (lastIds().length === 3 ? true : undefined))
    expect(lastIds()).toEqual([
      'spiffe://example.org/production/w1',
      'spiffe://example.org/production/w2',
      'spiffe://example.org/production/w3',
    ])
    expect((await admin.readLiveState()).entries.map((e) => e.spiffeId)).toContain(W0)
    expect((await admin.listRevocations({ activeOnly: true })).map((r) => r.spiffeId)).toEqual([W0])

    const status = await runSigil(['status', '--data-dir', server.dataDir, '--format', 'json'])
    expect(status.code, status.stderr).toBe(0)
    expect((JSON.parse(status.stdout) as { revocations?: { spiffeId: string }[] }).revocations).toMatchObject(
      [{ spiffeId: W0 }],
    )
  })
})
