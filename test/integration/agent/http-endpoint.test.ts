import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgent, type RunningAgent } from '../../../agent/main.js'
import { WorkloadApiClient } from '../../../agent/workload-api/client.js'
import { HOUR_MS } from '../../../engine/core/clock.js'
import { silentLogger } from '../../../engine/platform/logger.js'
import { tempDir } from '../../support/git.js'
import { seededRandom } from '../../support/seeded-random.js'
import { startHarness, TD, type Harness } from '../server/harness.js'

let h: Harness
let agent: RunningAgent
let base: string

beforeAll(async () => {
  h = await startHarness()
  const { token } = await h.admin.createJoinToken({ ttlMs: HOUR_MS, actor: 'test', agentName: 'metrics' })
  const dir = tempDir('sigil-agent-http-')
  agent = await startAgent(
    {
      serverAddress: h.address,
      trustDomain: TD,
      joinToken: token,
      trustBundlePem: h.bundlePem(),
      insecureBootstrap: false,
      dataDir: dir,
      socketPath: join(dir, 'api.sock'),
      logLevel: 'silent',
      httpListen: { host: '127.0.0.1', port: 0 },
    },
    { clock: h.clock, random: seededRandom(7), logger: silentLogger() },
  )
  base = `http://127.0.0.1:${agent.http?.port ?? 0}`
})
afterAll(async () => {
  await agent?.close()
  await h?.close()
})

describe('agent http endpoint', () => {
  it('serves /healthz and /readyz once attested and synced', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', checks: { agentSvid: true, synced: true } })
  })

  it('counts a Workload API call refused for lack of identity, and reports the sync state', async () => {
    const client = new WorkloadApiClient(`unix:${agent.socketPath}`)
    await expect(client.fetchX509Svid()).rejects.toMatchObject({ code: 7 })
    client.close()
    const res = await fetch(`${base}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((line) => line.startsWith(`${series} `))
          ?.split(' ')[1],
      )
    expect(
      value('sigil_agent_workload_api_requests_total{method="FetchX509SVID",code="PERMISSION_DENIED"}'),
    ).toBe(1)
    expect(value('sigil_agent_workload_attestation_failures_total')).toBe(0)
    expect(value('sigil_agent_svid_rotations_total{type="x509"}')).toBe(0)
    expect(value('sigil_agent_svid_rotations_total{type="jwt"}')).toBe(0)
    expect(value('sigil_agent_svids_cached')).toBe(0)
    expect(value('sigil_agent_server_sync_connected')).toBe(1)
    expect(value('sigil_agent_last_sync_timestamp_seconds')).toBeGreaterThan(0)
  })
})
