import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { status } from '@grpc/grpc-js'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { certificatePem } from '../../../engine/ca/bundle.js'
import { runSigil, PROJECT_ROOT } from '../../support/cli.js'
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
} from './harness.js'

const AGENT = `spiffe://${TD}/spire/agent/join_token/quickstart-host`
let h: Harness

beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
})

async function attest(token: string, keys = newAgentKeys()) {
  const res = await unary<{ svid: WireSvid; bundle: { x509_authorities: Buffer[] } }>(
    agentClient(h),
    'AttestAgent',
    {
      join_token: { token },
      csr: keys.csrDer,
    },
  )
  return { ...res, keys, mtls: agentClient(h, { keyPem: keys.keyPem, chain: res.svid.cert_chain }) }
}

function dbBytes(): string {
  const data = join(h.dir, 'data')
  return readdirSync(data)
    .filter((f) => f.startsWith('sigil.db'))
    .map((f) => readFileSync(join(data, f)).toString('latin1'))
    .join('')
}

describe('agent API', () => {
  let agent: Awaited<ReturnType<typeof attest>>

  it('attests with a join token once, stores only its hash, and refuses a second use', async () => {
    const created = await h.admin.createJoinToken({
      ttlMs: 600_000,
      agentName: 'quickstart-host',
      actor: 'test',
    })
    expect(created.token).toMatch(/^[0-9a-f]{40}$/)
    agent = await attest(created.token)
    expect(agent.svid.spiffe_id).toBe(AGENT)
    expect(agent.bundle.x509_authorities.length).toBeGreaterThan(0)
    expect(dbBytes()).not.toContain(created.token)
    const again = await attest(created.token).catch((err: unknown) => err)
    expect(again).toMatchObject({ code: status.PERMISSION_DENIED })
    expect(engineCode(again)).toBe('ERR_ATTEST_TOKEN_INVALID')
    const agents = await h.admin.listAgents()
    expect(agents.find((a) => a.agentId === AGENT)?.selectors).toEqual([`spiffe_id:${AGENT}`])
  })

  it('consumes an expired token and refuses it', async () => {
    const created = await h.admin.createJoinToken({ ttlMs: 1000, actor: 'test' })
    h.clock.advance(2000)
    const err = await attest(created.token).catch((e: unknown) => e)
    expect(engineCode(err)).toBe('ERR_ATTEST_TOKEN_INVALID')
    const db = new Database(join(h.dir, 'data', 'sigil.db'), { readonly: true })
    expect(db.prepare('SELECT count(*) AS n FROM join_tokens').get()).toEqual({ n: 0 })
    db.close()
  })

  it('renews the agent SVID over mTLS and refuses calls without a client certificate', async () => {
    const keys = newAgentKeys()
    const res = await unary<{ svid: WireSvid }>(agent.mtls, 'RenewAgent', { csr: keys.csrDer })
    expect(res.svid.spiffe_id).toBe(AGENT)
    expect(res.svid.cert_chain[0]?.equals(agent.svid.cert_chain[0] as Buffer)).toBe(false)
    const anonymous = await unary(agentClient(h), 'RenewAgent', { csr: keys.csrDer }).catch((e: unknown) => e)
    expect(anonymous).toMatchObject({ code: status.UNAUTHENTICATED })
  })

  it('streams authorized entries at once and pushes a commit made by sigil apply in another process', async () => {
    const stream = agent.mtls.SyncAuthorizedEntries({})
    const messages: SyncMessage[] = []
    stream.on('data', (m: SyncMessage) => messages.push(m))
    stream.on('error', () => {})
    await expect.poll(() => messages.length).toBe(1)
    expect(messages[0]?.entries).toEqual([])
    const applied = await runSigil([
      'apply',
      join(PROJECT_ROOT, 'examples', 'quickstart'),
      '--auto-approve',
      '--store',
      join(h.dir, 'data', 'sigil.db'),
    ])
    expect(applied.code, applied.stderr).toBe(0)
    // the server polls PRAGMA data_version on its clock: move the clock until the push arrives
    await expect
      .poll(() => {
        h.clock.advance(200)
        return messages.length
      })
      .toBe(2)
    expect(messages[1]?.entries.map((e) => e.spiffe_id).sort()).toEqual([
      'spiffe://example.org/quickstart/db',
      'spiffe://example.org/quickstart/web',
    ])
    stream.cancel()
  })

  it('mints X509-SVIDs for authorized entries only, auditing a forged request', async () => {
    const live = await h.admin.readLiveState()
    const web = live.entries.find((e) => e.spiffeId.endsWith('/quickstart/web'))
    expect(web).toBeDefined()
    const workload = newAgentKeys()
    const res = await unary<{
      results: { entry_id: string; status: { code: number }; svid: WireSvid | null }[]
    }>(agent.mtls, 'MintX509Svids', {
      params: [
        { entry_id: web?.id, csr: workload.csrDer },
        { entry_id: 'someone-elses-entry', csr: workload.csrDer },
      ],
    })
    expect(res.results.map((r) => r.status.code)).toEqual([status.OK, status.PERMISSION_DENIED])
    const svid = res.results[0]?.svid as WireSvid
    expect(svid.spiffe_id).toBe('spiffe://example.org/quickstart/web')
    writeFileSync(join(h.dir, 'bundle.pem'), h.bundlePem())
    writeFileSync(join(h.dir, 'leaf.pem'), svid.cert_chain.map(certificatePem).join(''))
    const out = execFileSync('openssl', [
      'verify',
      '-CAfile',
      join(h.dir, 'bundle.pem'),
      join(h.dir, 'leaf.pem'),
    ])
    expect(out.toString()).toContain(': OK')
    const jwt = await unary(agent.mtls, 'MintJwtSvid', {
      entry_id: 'someone-elses-entry',
      audience: ['x'],
    }).catch((e: unknown) => e)
    expect(jwt).toMatchObject({ code: status.PERMISSION_DENIED })
    const ok = await unary<{ token: string }>(agent.mtls, 'MintJwtSvid', {
      entry_id: web?.id,
      audience: ['x'],
    })
    expect(ok.token.split('.')).toHaveLength(3)
    const audit = await h.admin.listAuditRecords({ pageSize: 10_000 })
    const denied = audit.items.filter((r) => r.event === 'mint.denied')
    expect(denied.map((r) => [r.actor, r.data['entryId'], r.data['svid']])).toEqual([
      [AGENT, 'someone-elses-entry', 'x509'],
      [AGENT, 'someone-elses-entry', 'jwt'],
    ])
    expect((await h.server.store.verifyAuditLog()).ok).toBe(true)
  })

  it('fetches bundles over mTLS', async () => {
    const res = await unary<{ bundle: { trust_domain: string; x509_authorities: Buffer[] } }>(
      agent.mtls,
      'FetchBundles',
      {},
    )
    expect(res.bundle.trust_domain).toBe(TD)
  })

  it('refuses a banned agent on every call and ends its stream', async () => {
    const stream = agent.mtls.SyncAuthorizedEntries({})
    const ended = new Promise<unknown>((resolve) => stream.on('error', resolve))
    let first = false
    stream.on('data', () => (first = true))
    await expect.poll(() => first).toBe(true)
    await h.admin.setAgentBanned({ agentId: AGENT, banned: true, actor: 'test' })
    expect(await ended).toMatchObject({ code: status.PERMISSION_DENIED })
    const renew = await unary(agent.mtls, 'RenewAgent', { csr: newAgentKeys().csrDer }).catch(
      (e: unknown) => e,
    )
    expect(renew).toMatchObject({ code: status.PERMISSION_DENIED })
    expect(engineCode(renew)).toBe('ERR_ATTEST_BANNED')
    const token = await h.admin.createJoinToken({
      ttlMs: 600_000,
      agentName: 'quickstart-host',
      actor: 'test',
    })
    const reattest = await attest(token.token).catch((e: unknown) => e)
    expect(engineCode(reattest)).toBe('ERR_ATTEST_BANNED')
  })
})
