import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentIdentity } from '../../../agent/attest/agent-identity.js'
import { agentDir, loadAgentRecord } from '../../../agent/attest/agent-store.js'
import { obtainAgentIdentity, type AttestOptions } from '../../../agent/attest/node-attestor.js'
import { createCsr } from '../../../engine/ca/csr.js'
import { HOUR_MS, MINUTE_MS } from '../../../engine/core/clock.js'
import { FakeClock } from '../../support/fake-clock.js'
import { tempDir } from '../../support/git.js'
import { seededRandom } from '../../support/seeded-random.js'
import { startHarness, TD, type Harness } from '../server/harness.js'

const AGENT = `spiffe://${TD}/spire/agent/join_token/node-1`
const logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
let h: Harness

beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
})

function options(over: Partial<AttestOptions> = {}): AttestOptions {
  return {
    serverAddress: h.address,
    trustDomain: TD,
    dataDir: tempDir('sigil-agent-'),
    trustBundlePem: h.bundlePem(),
    insecureBootstrap: false,
    ...over,
  }
}

const deps = () => ({ clock: h.clock, logger, createCsr: (id: string) => createCsr(id) })
const token = async (agentName?: string) =>
  (await h.admin.createJoinToken({ ttlMs: HOUR_MS, actor: 'test', ...(agentName ? { agentName } : {}) }))
    .token

describe('node attestation', () => {
  let first: AttestOptions

  it('attests with a join token and keeps the SVID and key in the data dir (0600 key, 0700 dir)', async () => {
    first = options({ joinToken: await token('node-1') })
    const record = await obtainAgentIdentity(first, deps())
    expect(record.svid.spiffeId).toBe(AGENT)
    expect(record.attestation).toBe('join_token')
    expect(statSync(agentDir(first.dataDir)).mode & 0o777).toBe(0o700)
    expect(statSync(join(agentDir(first.dataDir), 'svid.key.pem')).mode & 0o777).toBe(0o600)
    expect(
      loadAgentRecord(first.dataDir)?.svid.certChainDer[0]?.equals(record.svid.certChainDer[0] as Buffer),
    ).toBe(true)
  })

  it('reuses the stored SVID across restarts without a token or a trust bundle', async () => {
    const { joinToken: _used, trustBundlePem: _bundle, ...rest } = first
    const again = await obtainAgentIdentity({ ...rest }, deps())
    expect(
      again.svid.certChainDer[0]?.equals(loadAgentRecord(first.dataDir)?.svid.certChainDer[0] as Buffer),
    ).toBe(true)
  })

  it('refuses a used join token with ERR_ATTEST_TOKEN_INVALID and says what to do', async () => {
    const err = await obtainAgentIdentity(options({ joinToken: first.joinToken as string }), deps()).catch(
      (e: unknown) => e,
    )
    expect(err).toMatchObject({ code: 'ERR_ATTEST_TOKEN_INVALID', data: { reason: 'token' } })
  })

  it('needs a token (or a k8s token) when there is no usable SVID, and a trust bundle or --insecure-bootstrap', async () => {
    await expect(obtainAgentIdentity(options(), deps())).rejects.toMatchObject({
      code: 'ERR_ATTEST_FAILED',
      data: { reason: 'no-credentials' },
    })
    const { trustBundlePem: _b, ...noBundle } = options({ joinToken: await token() })
    await expect(obtainAgentIdentity(noBundle, deps())).rejects.toMatchObject({
      data: { reason: 'no-trust-bundle' },
    })
  })

  it('bootstraps without a bundle when told to, checking the server against the bundle it sends', async () => {
    const { trustBundlePem: _b, ...rest } = options({
      joinToken: await token('insecure'),
      insecureBootstrap: true,
    })
    const record = await obtainAgentIdentity(rest, deps())
    expect(record.svid.spiffeId).toBe(`spiffe://${TD}/spire/agent/join_token/insecure`)
    expect(record.bundleDer.length).toBeGreaterThan(0)
  })

  it('renews on its own at about half life (its own clock; the server runs on real time)', async () => {
    const record = loadAgentRecord(first.dataDir)
    if (!record) throw new Error('no record')
    const clock = new FakeClock(Date.now())
    const warnings: unknown[] = []
    const log = { ...logger, warn: (f: unknown) => void warnings.push(f) }
    const identity = new AgentIdentity(record, first, {
      ...deps(),
      clock,
      random: seededRandom(2),
      logger: log,
    })
    const stop = new AbortController()
    const running = identity.run(stop.signal)
    try {
      await clock.waitForSleepers(1)
      clock.advance(20 * MINUTE_MS)
      await clock.waitForSleepers(1)
      expect(identity.current.svid).toBe(record.svid)
      clock.advance(15 * MINUTE_MS)
      const leaf = () => loadAgentRecord(first.dataDir)?.svid.certChainDer[0]?.toString('hex')
      await expect.poll(leaf, { timeout: 15_000 }).not.toBe(record.svid.certChainDer[0]?.toString('hex'))
      expect(warnings).toEqual([])
    } finally {
      stop.abort()
      await running
      identity.close()
    }
  })

  it('renews over mTLS and persists the new SVID; once expired, a join-token agent cannot renew', async () => {
    const record = loadAgentRecord(first.dataDir)
    if (!record) throw new Error('no record')
    const identity = new AgentIdentity(record, first, { ...deps(), random: seededRandom(1), logger })
    try {
      await identity.renewOrReattest()
      const renewed = loadAgentRecord(first.dataDir)
      expect(renewed?.svid.certChainDer[0]?.equals(record.svid.certChainDer[0] as Buffer)).toBe(false)
      expect(identity.current.svid.notAfterMs).toBe(renewed?.svid.notAfterMs)
      const [denied] = await identity
        .client()
        .mintX509Svids([{ entryId: 'nope', csrDer: createCsr(AGENT).csrDer }])
      expect(denied).toMatchObject({ ok: false, code: 7 })
      h.clock.advance(2 * HOUR_MS)
      await expect(identity.renewOrReattest()).rejects.toMatchObject({ expired: true })
    } finally {
      identity.close()
    }
    const { joinToken: _t, ...noToken } = first
    await expect(obtainAgentIdentity(noToken, deps())).rejects.toMatchObject({
      data: { reason: 'no-credentials' },
    })
  })
})
