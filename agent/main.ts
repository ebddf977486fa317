/**
 * Composition root of `sigil agent`: attests (or reuses its stored SVID), keeps the agent SVID
 * renewed, syncs the authorized entries, mints and rotates workload SVIDs, and serves the SPIFFE
 * Workload API on a Unix socket. SIGTERM or SIGINT closes the socket (removing the file) and
 * resolves with exit code 0.
 */
import { readFileSync, rmSync } from 'node:fs'
import { createCsr } from '../engine/ca/csr.js'
import type { Clock } from '../engine/core/clock.js'
import { isEngineError } from '../engine/core/errors.js'
import type { Random } from '../engine/core/random.js'
import { cryptoRandom } from '../engine/platform/crypto-random.js'
import { createLogger, type Logger } from '../engine/platform/logger.js'
import { systemClock } from '../engine/platform/system-clock.js'
import { resolveAgentConfig, type AgentConfig, type AgentFlags } from './attest/agent-config.js'
import { AgentIdentity } from './attest/agent-identity.js'
import { obtainAgentIdentity, type AttestOptions } from './attest/node-attestor.js'
import { createAgentMetrics, type AgentMetrics } from './metrics/agent-metrics.js'
import { startAgentHttpEndpoint, type AgentHttpEndpoint } from './metrics/http-endpoint.js'
import { entriesNeedingSvid } from './svid/cache.js'
import { SvidRotator } from './svid/rotator.js'
import { SvidCache } from './svid/svid-cache.js'
import { EntrySyncer } from './sync/entry-syncer.js'
import { systemUnixHooks } from './workload-attestors/system-hooks.js'
import { createUnixAttestor } from './workload-attestors/unix.js'
import { startWorkloadApi, type WorkloadApiServer } from './workload-api/server.js'

/** Exit codes of `sigil agent`. */
export const AGENT_EXIT = { ok: 0, failed: 1, badConfig: 2 } as const

export interface AgentDeps {
  readonly clock: Clock
  readonly random: Random
  readonly logger: Logger
}

/** A running agent. */
export interface RunningAgent {
  readonly spiffeId: string
  readonly socketPath: string
  readonly cache: SvidCache
  /** The bound address of `/healthz`, `/readyz` and `/metrics` when `httpListen` is set. */
  readonly http?: { readonly host: string; readonly port: number }
  /** Stops the loops and the Workload API (the socket file is removed). Idempotent. */
  close(): Promise<void>
}

function attestOptions(config: AgentConfig): AttestOptions {
  const { k8s } = config
  return {
    serverAddress: config.serverAddress,
    trustDomain: config.trustDomain,
    dataDir: config.dataDir,
    insecureBootstrap: config.insecureBootstrap,
    ...(config.joinToken ? { joinToken: config.joinToken } : {}),
    ...(config.trustBundlePem !== undefined ? { trustBundlePem: config.trustBundlePem } : {}),
    ...(k8s
      ? { k8sPsat: { cluster: k8s.cluster, readToken: () => readFileSync(k8s.tokenFile, 'utf8').trim() } }
      : {}),
  }
}

/** How long the agent waits for its first sync and SVIDs before it serves anyway. */
const READY_TIMEOUT_MS = 5000

/** Resolves once synced with every entry holding an SVID, or after `timeoutMs` (server down). */
async function firstSvids(
  cache: SvidCache,
  synced: () => boolean,
  clock: Clock,
  timeoutMs: number,
): Promise<void> {
  const ready = () => synced() && entriesNeedingSvid(cache.state, clock.now()).length === 0
  if (ready()) return
  const timeout = new AbortController()
  let unsubscribe = () => {}
  const done = new Promise<void>((resolve) => {
    unsubscribe = cache.subscribe(new Set(), () => ready() && resolve())
  })
  await Promise.race([done, clock.sleep(timeoutMs, timeout.signal).catch(() => {})])
  timeout.abort()
  unsubscribe()
}

/**
 * Attests and starts every loop, then the Workload API: after the first sync and mint (at most
 * 5 s), so workloads started with the agent are not refused while their SVIDs are being minted.
 */
export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const { clock, random, logger } = deps
  const options = attestOptions(config)
  const attestDeps = { clock, logger, createCsr: (id: string) => createCsr(id) }
  const record = await obtainAgentIdentity(options, attestDeps)
  const identity = new AgentIdentity(record, options, { ...attestDeps, random, logger })
  let metrics: AgentMetrics | undefined
  const cache = new SvidCache({
    clock,
    mintJwtSvid: async (entryId, audience) => {
      const svid = await identity.client().mintJwtSvid(entryId, audience)
      metrics?.svidRotated('jwt')
      return svid
    },
  })
  if (config.httpListen) metrics = createAgentMetrics({ cachedSvids: () => cache.state.svids.size })
  const withMetrics = metrics ? { metrics } : {}
  const controller = new AbortController()
  const syncer = new EntrySyncer({
    client: () => identity.client(),
    cache,
    clock,
    logger,
    onBundle: (der) => identity.updateBundle(der),
    ...withMetrics,
  })
  const rotator = new SvidRotator({
    cache,
    minter: { mintX509Svids: (requests) => identity.client().mintX509Svids(requests) },
    clock,
    random,
    createCsr: (id) => createCsr(id),
    logger,
    ...withMetrics,
  })
  const loops = Promise.all([
    identity.run(controller.signal),
    syncer.run(controller.signal),
    rotator.run(controller.signal),
  ])
  let http: AgentHttpEndpoint | undefined
  let api: WorkloadApiServer
  try {
    if (config.httpListen && metrics) {
      http = await startAgentHttpEndpoint({
        ...config.httpListen,
        metrics,
        readiness: () => ({
          agentSvid: identity.current.svid.notAfterMs > clock.now(),
          synced: syncer.received > 0,
        }),
      })
    }
    await firstSvids(cache, () => syncer.received > 0, clock, READY_TIMEOUT_MS)
    api = await startWorkloadApi({
      socketPath: config.socketPath,
      source: cache,
      attestors: [createUnixAttestor(systemUnixHooks)],
      logger,
      ...withMetrics,
    })
  } catch (err) {
    controller.abort()
    await http?.close()
    await loops
    identity.close()
    throw err
  }
  let closing: Promise<void> | undefined
  return {
    spiffeId: identity.spiffeId,
    socketPath: config.socketPath,
    cache,
    ...(http ? { http: { host: http.host, port: http.port } } : {}),
    close: () =>
      (closing ??= (async () => {
        controller.abort()
        await api.close()
        await http?.close()
        rmSync(config.socketPath, { force: true })
        await loops
        identity.close()
      })()),
  }
}

/** Runs the agent until SIGTERM/SIGINT; returns the process exit code. */
export async function runAgentMain(flags: AgentFlags): Promise<number> {
  let config: AgentConfig
  try {
    config = resolveAgentConfig(flags, process.cwd())
  } catch (err) {
    if (!isEngineError(err, 'ERR_CONFIG_INVALID')) throw err
    process.stderr.write(`sigil agent: ${err.message} (${err.code})\n`)
    return AGENT_EXIT.badConfig
  }
  const logger = createLogger({ level: config.logLevel, name: 'sigil-agent' })
  if (config.insecureBootstrap) {
    process.stderr.write(
      'sigil agent: WARNING: --insecure-bootstrap: the first connection to the server is trusted without ' +
        'verification; anyone able to intercept it can impersonate the server. Use --trust-bundle in production.\n',
    )
  }
  let agent: RunningAgent
  try {
    agent = await startAgent(config, { clock: systemClock, random: cryptoRandom, logger })
  } catch (err) {
    if (!isEngineError(err)) throw err
    process.stderr.write(`sigil agent: ${err.message} (${err.code})\n`)
    return err.code === 'ERR_CONFIG_INVALID' ? AGENT_EXIT.badConfig : AGENT_EXIT.failed
  }
  process.stdout.write(
    `sigil agent ${agent.spiffeId} serving the Workload API on ${agent.socketPath} (server ${config.serverAddress})\n`,
  )
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      logger.info({ signal }, 'agent stopping')
      resolve()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  await agent.close()
  logger.info({}, 'agent stopped')
  return AGENT_EXIT.ok
}
