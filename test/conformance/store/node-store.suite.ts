/** The node store contract (join tokens, attested nodes, bans, audit rows), run against every backend. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { hashJoinToken, redeemJoinToken } from '../../../engine/api/join-tokens.js'
import { createNodeAdmin } from '../../../engine/api/node-admin.js'
import type { NodeStore } from '../../../engine/store/node-store.js'
import type { RegistrationStore } from '../../../engine/store/registration-store.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'
import type { StoreBackend, StoreHandle } from './backends.js'

const AGENT = 'spiffe://example.org/spire/agent/join_token/host-a'

/** Polls `fn` until it is true or `timeoutMs` passes. */
async function eventually(fn: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 20))
  }
  return true
}

/** Registers the node store conformance tests for `backend`. */
export function describeNodeStore(backend: StoreBackend): void {
  describe(`node store conformance: ${backend.name}`, () => {
    const clock = new FakeClock()
    const deps = { clock, random: seededRandom(3) }
    const closers: { close(): Promise<void> }[] = []
    let at: StoreHandle
    let store: RegistrationStore
    let nodes: NodeStore
    beforeAll(() => backend.setup())
    afterAll(() => backend.teardown())
    const setup = async () => {
      at = backend.location()
      store = await at.open({ create: true })
      nodes = await at.openNodes(store)
      closers.push(store, nodes)
    }
    const second = async () => {
      const s = await at.open()
      const n = await at.openNodes(s)
      closers.push(s, n)
      return n
    }
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c.close()
    })

    it('stores tokens hashed and consumes each one once, expired ones too', async () => {
      await setup()
      const admin = createNodeAdmin(nodes, deps)
      const a = await admin.createJoinToken({
        ttlMs: 60_000,
        agentName: 'host-a',
        spiffeId: 'spiffe://example.org/h',
        actor: 't',
      })
      const stored = await at.column('SELECT token_hash FROM join_tokens')
      expect(stored).toEqual([hashJoinToken(a.token)])
      expect(stored).not.toContain(a.token)
      expect(await redeemJoinToken(nodes, a.token, clock.now(), 'example.org')).toEqual({
        agentId: AGENT,
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
      expect(await at.column('SELECT token_hash FROM join_tokens')).toEqual([])
    })

    it('hands a token raced by two connections to exactly one', async () => {
      await setup()
      const other = await second()
      const record = {
        tokenHash: 'ab'.repeat(32),
        expiresAtMs: 10,
        createdAtMs: 0,
        agentName: '',
        aliasId: '',
      }
      await nodes.createJoinToken(record)
      const got = await Promise.all([
        nodes.consumeJoinToken(record.tokenHash),
        other.consumeJoinToken(record.tokenHash),
      ])
      expect(got.filter((g) => g !== undefined)).toEqual([record])
    })

    it('prunes expired tokens only', async () => {
      await setup()
      for (const [hash, exp] of [
        ['a', 5],
        ['b', 10],
        ['c', 20],
      ] as const)
        await nodes.createJoinToken({
          tokenHash: hash,
          expiresAtMs: exp,
          createdAtMs: 0,
          agentName: '',
          aliasId: '',
        })
      expect(await nodes.pruneJoinTokens(11)).toBe(2)
      expect(await at.column('SELECT token_hash FROM join_tokens')).toEqual(['c'])
    })

    it('keeps bans across re-attestation and appends audit rows to the verified chain', async () => {
      await setup()
      const admin = createNodeAdmin(nodes, deps)
      await admin.setAgentBanned({ agentId: AGENT, banned: true, actor: 'os:test' })
      const node = await nodes.upsertAttestedNode({
        agentId: AGENT,
        attestationType: 'join_token',
        selectors: [`spiffe_id:${AGENT}`, 'b:1', 'b:1'],
        aliasIds: [],
        svidSerial: '01',
        svidExpiresAtMs: 5,
        updatedAtMs: 1,
      })
      expect(node).toMatchObject({ banned: true, selectors: ['b:1', `spiffe_id:${AGENT}`] })
      expect(await nodes.updateAttestedNodeSvid(AGENT, '02', 9, 2)).toBe(true)
      expect(await nodes.updateAttestedNodeSvid('spiffe://example.org/spire/agent/x', '02', 9, 2)).toBe(false)
      await admin.setAgentBanned({ agentId: AGENT, banned: false, actor: 'os:test' })
      expect(await admin.listAgents()).toMatchObject([
        { agentId: AGENT, banned: false, svidSerial: '02', svidExpiresAtMs: 9 },
      ])
      expect(await nodes.fetchAttestedNode(AGENT)).toMatchObject({
        attestationType: 'join_token',
        createdAtMs: node.createdAtMs,
      })
      expect(await nodes.fetchAttestedNode('spiffe://example.org/nobody')).toBeUndefined()
      const audit = await store.listAuditRecords()
      expect(audit.items.map((r) => r.event)).toEqual(['store.create', 'node.ban', 'node.unban'])
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true, rows: 3 })
    })

    it('reports writes by another connection through dataVersion', async () => {
      await setup()
      const before = nodes.dataVersion()
      const other = await second()
      await other.setAttestedNodeBanned(AGENT, true, 1)
      expect(await eventually(() => nodes.dataVersion() !== before)).toBe(true)
    })
  })
}
