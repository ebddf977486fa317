import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createNodeAdmin } from '../../../../engine/api/node-admin.js'
import { hashJoinToken, redeemJoinToken } from '../../../../engine/api/join-tokens.js'
import { RateLimiter } from '../../../../engine/api/rate-limit.js'
import { MIGRATIONS } from '../../../../engine/store/migrations/index.js'
import type { NodeStore } from '../../../../engine/store/node-store.js'
import type { RegistrationStore } from '../../../../engine/store/registration-store.js'
import { openSqliteNodeStore } from '../../../../engine/store/sqlite-nodes.js'
import { openSqliteStore } from '../../../../engine/store/sqlite-store.js'
import { FakeClock } from '../../../support/fake-clock.js'
import { seededRandom } from '../../../support/seeded-random.js'

let dir: string
let path: string
let store: RegistrationStore
let nodes: NodeStore
const clock = new FakeClock()
const deps = { clock, random: seededRandom(7) }

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-nodes-'))
  path = join(dir, 'sigil.db')
  // created at schema v1, then migrated forward by the next open: the v1 → v2 path
  openSqliteStore(path, deps, { create: true, migrations: MIGRATIONS.slice(0, 1) }).close()
  store = openSqliteStore(path, deps)
  nodes = openSqliteNodeStore(path)
})
afterEach(async () => {
  await nodes.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('node store', () => {
  it('creates tokens hashed and consumes them once, expired ones too', async () => {
    const admin = createNodeAdmin(nodes, deps)
    const a = await admin.createJoinToken({
      ttlMs: 60_000,
      agentName: 'host-a',
      spiffeId: 'spiffe://example.org/h',
      actor: 't',
    })
    expect(await redeemJoinToken(nodes, a.token, clock.now(), 'example.org')).toEqual({
      agentId: 'spiffe://example.org/spire/agent/join_token/host-a',
      aliasIds: ['spiffe://example.org/h'],
    })
    await expect(redeemJoinToken(nodes, a.token, clock.now(), 'example.org')).rejects.toMatchObject({
      code: 'ERR_ATTEST_TOKEN_INVALID',
      data: { reason: 'unknown' },
    })
    const b = await admin.createJoinToken({ ttlMs: 1000, actor: 't' })
    await expect(redeemJoinToken(nodes, b.token, clock.now() + 1000, 'example.org')).rejects.toMatchObject({
      data: { reason: 'expired' },
    })
    expect(await nodes.consumeJoinToken(hashJoinToken(b.token))).toBeUndefined()
    await expect(admin.createJoinToken({ ttlMs: 10, actor: 't' })).rejects.toMatchObject({
      code: 'ERR_API_INVALID_ARGUMENT',
    })
    await expect(
      admin.createJoinToken({ ttlMs: 60_000, agentName: 'a/b', actor: 't' }),
    ).rejects.toMatchObject({
      data: { reason: 'agent-name' },
    })
  })

  it('keeps bans across re-attestation and appends audit rows to the verified chain', async () => {
    const agentId = 'spiffe://example.org/spire/agent/join_token/host-a'
    const admin = createNodeAdmin(nodes, deps)
    await admin.setAgentBanned({ agentId, banned: true, actor: 'os:test' })
    const node = await nodes.upsertAttestedNode({
      agentId,
      attestationType: 'join_token',
      selectors: [`spiffe_id:${agentId}`],
      aliasIds: [],
      svidSerial: '01',
      svidExpiresAtMs: 5,
      updatedAtMs: 1,
    })
    expect(node.banned).toBe(true)
    expect(await nodes.updateAttestedNodeSvid(agentId, '02', 9, 2)).toBe(true)
    await admin.setAgentBanned({ agentId, banned: false, actor: 'os:test' })
    expect(await admin.listAgents()).toMatchObject([{ agentId, banned: false, svidSerial: '02' }])
    await expect(
      admin.setAgentBanned({ agentId: 'spiffe://example.org/web', banned: true, actor: 'x' }),
    ).rejects.toMatchObject({
      code: 'ERR_API_INVALID_ARGUMENT',
    })
    const audit = await store.listAuditRecords()
    expect(audit.items.map((r) => r.event)).toEqual(['store.create', 'node.ban', 'node.unban'])
    expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 3 })
  })

  it('reports commits of other connections through dataVersion', async () => {
    const before = nodes.dataVersion()
    const other = openSqliteNodeStore(path)
    await other.createJoinToken({
      tokenHash: 'h',
      expiresAtMs: 1,
      createdAtMs: 0,
      agentName: '',
      aliasId: '',
    })
    await other.close()
    expect(nodes.dataVersion()).not.toBe(before)
  })
})

describe('rate limiter', () => {
  it('refills on the injected clock and never takes tokens it refuses', () => {
    const c = new FakeClock()
    const limiter = new RateLimiter({ perSecond: 2, burst: 2 }, c)
    limiter.take('a', 2)
    expect(() => limiter.take('a')).toThrow(expect.objectContaining({ code: 'ERR_API_RATE_LIMITED' }))
    limiter.take('b')
    c.advance(500)
    limiter.take('a')
    expect(() => limiter.take('a')).toThrow()
  })
})
