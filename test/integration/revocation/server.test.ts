/**
 * Emergency revocation against a real server: `sigil revoke` (admin socket) removes the entry from
 * the agent's sync stream at once, minting it is refused and audited, `sigil apply` of the same
 * repository does not heal it, `--lift` and expiry (server clock) bring it back.
 */
import { join } from 'node:path'
import { status, type ClientReadableStream } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT, runSigil } from '../../support/cli.js'
import {
  agentClient,
  engineCode,
  newAgentKeys,
  startHarness,
  unary,
  TD,
  type Harness,
  type SyncMessage,
  type WireSvid,
} from '../server/harness.js'

const AGENT = `spiffe://${TD}/spire/agent/join_token/quickstart-host`
const WEB = `spiffe://${TD}/quickstart/web`
const DB = `spiffe://${TD}/quickstart/db`
let h: Harness
let mtls: ReturnType<typeof agentClient>
let stream: ClientReadableStream<SyncMessage>
const messages: SyncMessage[] = []

const lastIds = () => (messages.at(-1)?.entries.map((e) => e.spiffe_id) ?? []).sort()
const adminStore = () => `unix://${h.server.adminSocket}`
const dbPath = () => join(h.dir, 'data', 'sigil.db')
const apply = () =>
  runSigil(['apply', join(PROJECT_ROOT, 'examples', 'quickstart'), '--auto-approve', '--store', dbPath()])

/** Moves the fake clock in small steps until the stream's latest message has `ids`. */
async function pushed(ids: string[]): Promise<void> {
  await expect
    .poll(() => {
      h.clock.advance(200)
      return lastIds()
    })
    .toEqual(ids)
}

beforeAll(async () => {
  h = await startHarness()
  const token = await h.admin.createJoinToken({ ttlMs: 600_000, agentName: 'quickstart-host', actor: 'test' })
  const keys = newAgentKeys()
  const res = await unary<{ svid: WireSvid }>(agentClient(h), 'AttestAgent', {
    join_token: { token: token.token },
    csr: keys.csrDer,
  })
  expect(res.svid.spiffe_id).toBe(AGENT)
  mtls = agentClient(h, { keyPem: keys.keyPem, chain: res.svid.cert_chain })
  const applied = await apply()
  expect(applied.code, applied.stderr).toBe(0)
  stream = mtls.SyncAuthorizedEntries({})
  stream.on('data', (m: SyncMessage) => messages.push(m))
  stream.on('error', () => {})
})
afterAll(async () => {
  stream?.cancel()
  await h?.close()
})

async function webEntryId(): Promise<string> {
  const live = await h.admin.readLiveState()
  const web = live.entries.find((e) => e.spiffeId === WEB)
  expect(web).toBeDefined()
  return web?.id as string
}

describe('emergency revocation on the server', () => {
  it('drops the revoked ID from the sync stream at once and refuses to mint it', async () => {
    await pushed([DB, WEB])
    const revoked = await runSigil(['revoke', WEB, '--reason', 'key leaked', '--store', adminStore()])
    expect(revoked.code, revoked.stderr).toBe(0)
    await pushed([DB])
    const entryId = await webEntryId()
    const x509 = await unary<{ results: { status: { code: number } }[] }>(mtls, 'MintX509Svids', {
      params: [{ entry_id: entryId, csr: newAgentKeys().csrDer }],
    })
    expect(x509.results.map((r) => r.status.code)).toEqual([status.PERMISSION_DENIED])
    const jwt = await unary(mtls, 'MintJwtSvid', { entry_id: entryId, audience: ['x'] }).catch(
      (e: unknown) => e,
    )
    expect(jwt).toMatchObject({ code: status.PERMISSION_DENIED })
    expect(engineCode(jwt)).toBe('ERR_API_PERMISSION_DENIED')
    const audit = (await h.admin.listAuditRecords({ pageSize: 10_000 })).items
    expect(audit.filter((r) => r.event === 'identity.revoke').map((r) => r.data['spiffeId'])).toEqual([WEB])
    expect(
      audit
        .filter((r) => r.event === 'mint.denied')
        .map((r) => [r.actor, r.data['entryId'], r.data['svid'], r.data['reason'], r.data['spiffeId']]),
    ).toEqual([
      [AGENT, entryId, 'x509', 'revoked', WEB],
      [AGENT, entryId, 'jwt', 'revoked', WEB],
    ])
    expect((await h.server.store.verifyAuditLog()).ok).toBe(true)
  })

  it('is not healed by applying the same repository again', async () => {
    const before = await h.admin.fetchRevision()
    const again = await apply()
    expect(again.code, again.stderr).toBe(0)
    // the entry itself stays in the store; only the separate revocation blocks it
    expect((await h.admin.readLiveState()).entries.map((e) => e.spiffeId)).toContain(WEB)
    expect((await h.admin.fetchRevision()).revision).toBe(before.revision)
    h.clock.advance(200)
    expect(lastIds()).toEqual([DB])
    const x509 = await unary<{ results: { status: { code: number } }[] }>(mtls, 'MintX509Svids', {
      params: [{ entry_id: await webEntryId(), csr: newAgentKeys().csrDer }],
    })
    expect(x509.results.map((r) => r.status.code)).toEqual([status.PERMISSION_DENIED])
  })

  it('pushes the ID back when the revocation is lifted', async () => {
    const lifted = await runSigil(['revoke', '--lift', WEB, '--store', adminStore()])
    expect(lifted.code, lifted.stderr).toBe(0)
    await pushed([DB, WEB])
    const x509 = await unary<{ results: { status: { code: number } }[] }>(mtls, 'MintX509Svids', {
      params: [{ entry_id: await webEntryId(), csr: newAgentKeys().csrDer }],
    })
    expect(x509.results.map((r) => r.status.code)).toEqual([status.OK])
  })

  it('notices a revocation written to the store file by another process', async () => {
    const revoked = await runSigil(['revoke', DB, '--reason', 'suspicious', '--store', dbPath()])
    expect(revoked.code, revoked.stderr).toBe(0)
    await pushed([WEB])
    const lifted = await runSigil(['revoke', '--lift', DB, '--store', dbPath()])
    expect(lifted.code, lifted.stderr).toBe(0)
    await pushed([DB, WEB])
  })

  it('ends a revocation at its expiry on the server clock and pushes the ID back', async () => {
    const revocation = await h.admin.revokeIdentity({
      spiffeId: DB,
      reason: 'drill',
      forMs: 60_000,
      actor: 'test',
    })
    expect(revocation.expiresAtMs).toBe(revocation.createdAtMs + 60_000)
    await pushed([WEB])
    h.clock.advance(60_000)
    await pushed([DB, WEB])
    expect(await h.admin.listRevocations({ activeOnly: true })).toEqual([])
    expect((await h.admin.listRevocations()).map((r) => r.spiffeId)).toEqual([DB, DB, WEB])
  })
})
