/**
 * The server runtime: store, node store, CA (rotated every 10 s), entry sync, agent API and admin
 * socket, wired from a resolved config and injected clock, randomness and logger.
 */
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkAttestedNode } from '../api/agent-auth.js'
import type { ApiLogger } from '../api/agent-handlers.js'
import { startAgentApi, type AgentApi } from '../api/agent-server.js'
import { startAdminSocket, type AdminSocket } from '../api/admin-server.js'
import { EntrySync } from '../api/entry-sync.js'
import { createK8sPsatAttestor } from '../api/k8s-psat.js'
import { createNodeAdmin } from '../api/node-admin.js'
import { ServerSvid } from '../api/server-svid.js'
import { RateLimiter } from '../api/rate-limit.js'
import { startAuthzService, type AuthzService } from '../authz/service.js'
import { encodeBundlePem } from '../ca/bundle.js'
import type { CertificateAuthority } from '../ca/certificate-authority.js'
import type { Leadership as ReplicaLeadership } from '../ha/leadership.js'
import { openPostgresServerBackend } from '../ha/postgres-server.js'
import { createFederationMetrics } from '../federation/metrics.js'
import { startFederation, type FederationRuntime } from '../federation/start-federation.js'
import type { KeySource } from '../ca/key-manager.js'
import { DAY_MS, type Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import type { Random } from '../core/random.js'
import { SIGIL_VERSION } from '../cli/version.js'
import { createServerMetrics, type ServerMetrics } from '../reconcile/metrics.js'
import { alwaysLeader, type Leadership, type Reconciler } from '../reconcile/reconciler.js'
import { startReconcileRuntime } from '../reconcile/runtime.js'
import type { RegistrationStore } from '../store/registration-store.js'
import type { ServerConfig } from './config.js'
import { openSqliteServerBackend } from './sqlite-backend.js'

export interface ServerDeps {
  readonly clock: Clock
  readonly random: Random
  readonly logger: ApiLogger & { error(obj: object, msg: string): void }
  /** Tests hand out fixture keys; default: node:crypto. */
  readonly keySource?: KeySource
  /** "May this replica reconcile?" (HA leader election); default: always. */
  readonly leadership?: Leadership
}

/** A running server. */
export interface RunningServer {
  readonly trustDomain: string
  readonly host: string
  readonly port: number
  readonly adminSocket: string
  readonly store: RegistrationStore
  readonly ca: CertificateAuthority
  readonly metrics: ServerMetrics
  readonly reconciler: Reconciler
  /** This replica's leadership (always the leader on SQLite); `leaderInfo()` for status. */
  readonly leadership: ReplicaLeadership
  /** Port of the health/metrics/webhook endpoint, when `httpListen` is configured. */
  readonly httpPort?: number
  /** The authorizer, decision log and authz HTTP routes (docs/authz.md). */
  readonly authz: AuthzService
  /** The bundle endpoint and the foreign bundle poller (docs/federation.md). */
  readonly federation: FederationRuntime
  /** Stops accepting, ends streams, closes the store. Idempotent. */
  close(): Promise<void>
}

const ROTATE_INTERVAL_MS = 10_000

function ensureWritableDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw new EngineError('ERR_STORE_UNAVAILABLE', `cannot write data directory ${dir}: ${code}`, {
      cause: err,
      data: { path: dir, reason: code },
    })
  }
}

/** Starts every part of the server; on failure, closes what was already opened and rethrows. */
export async function startServer(config: ServerConfig, deps: ServerDeps): Promise<RunningServer> {
  const { clock, random, logger } = deps
  const cleanup: (() => Promise<void>)[] = []
  const closeAll = async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {})
  }
  const metrics = createServerMetrics()
  try {
    ensureWritableDataDir(config.dataDir)
    const caOptions = {
      caTtlMs: config.caTtlMs,
      ...(config.caKeyType ? { keyType: config.caKeyType } : {}),
      ...(config.jwtIssuer ? { jwtIssuer: config.jwtIssuer } : {}),
    }
    const backend =
      config.store !== undefined && config.ha
        ? // PostgreSQL replicas: shared store and CA, one elected leader (docs/ha.md)
          await openPostgresServerBackend({
            url: config.store,
            caKeyFile: config.ha.caKeyFile,
            electionRetryMs: config.ha.electionRetryMs,
            ...(config.trustDomain ? { trustDomain: config.trustDomain } : {}),
            address: `${config.listenHost}:${config.listenPort}`,
            clock,
            random,
            ...(deps.keySource ? { keySource: deps.keySource } : {}),
            caOptions,
            logger,
          })
        : await openSqliteServerBackend({
            dataDir: config.dataDir,
            ...(config.trustDomain ? { trustDomain: config.trustDomain } : {}),
            clock,
            random,
            ...(deps.keySource ? { keySource: deps.keySource } : {}),
            caOptions,
          })
    cleanup.push(() => backend.close())
    // reconcileState: shared by PostgreSQL replicas; undefined = files in the data dir (SQLite)
    const { store, nodes, foreignBundles, ca, keys, leadership, reconcileStore, reconcileState } = backend
    const trustDomain = ca.trustDomain
    const storeTd = (await store.fetchStats('')).trustDomain
    if (storeTd !== '' && storeTd !== trustDomain) {
      throw new EngineError(
        'ERR_CONFIG_INVALID',
        `the store serves trust domain ${storeTd}, not ${trustDomain}`,
        {
          data: { problems: ['trust domain mismatch'], store: storeTd, configured: trustDomain },
        },
      )
    }
    let writtenSequence = -1
    const writeBundle = () => {
      const bundle = ca.bundle()
      writeFileSync(join(config.dataDir, 'bundle.pem'), encodeBundlePem(bundle), { mode: 0o644 })
      writtenSequence = bundle.sequence
    }
    writeBundle()

    const isLeader = () => (deps.leadership ?? alwaysLeader).isLeader() && leadership.isLeader()
    const slot: { federation?: FederationRuntime } = {}
    const sync = new EntrySync({
      store,
      nodes,
      clock,
      trustDomain,
      bundle: () => ca.bundle(),
      checkNode: (agentId) => checkAttestedNode(nodes, agentId),
      fetchedBundles: () => slot.federation?.service.fetchedBundles() ?? new Map(),
      onError: (err) => logger.warn({ err: (err as Error).message }, 'entry sync refresh failed'),
    })
    const rate = config.rateLimit
    const api: AgentApi = await startAgentApi({
      host: config.listenHost,
      port: config.listenPort,
      clock,
      logger,
      nodes,
      ca,
      sync,
      trustDomain,
      metrics,
      joinTokens: config.joinToken,
      ...(Object.keys(config.k8sPsatClusters).length > 0
        ? { k8sPsat: createK8sPsatAttestor(trustDomain, config.k8sPsatClusters) }
        : {}),
      ttl: {
        agentSvidMs: config.agentSvidTtlMs,
        x509SvidMs: config.x509SvidTtlMs,
        jwtSvidMs: config.jwtSvidTtlMs,
      },
      attestationLimit: new RateLimiter(
        { perSecond: rate.attestationPerSecond, burst: rate.attestationBurst },
        clock,
      ),
      signingLimit: new RateLimiter({ perSecond: rate.signingPerSecond, burst: rate.signingBurst }, clock),
    })
    cleanup.push(() => api.close())
    const refresh = () => void sync.refresh()
    const federation = await startFederation({
      config: config.federation,
      store: foreignBundles,
      relationships: () => sync.federationRelationships(),
      localBundle: () => ca.bundle(),
      serverSvid: () => new ServerSvid(ca, clock, trustDomain),
      clock,
      logger,
      isLeader,
      dataVersion: () => nodes.dataVersion(),
      onChange: refresh,
      metrics: createFederationMetrics(metrics.registry),
    })
    slot.federation = federation
    cleanup.push(() => federation.close())
    const authz = await startAuthzService({
      dataDir: config.dataDir,
      store,
      ca,
      clock,
      random,
      keys,
      canCreateKey: isLeader,
      logger,
      ...(config.authz ? { config: config.authz } : {}),
    })
    cleanup.push(() => authz.close())
    const reconcile = await startReconcileRuntime({
      dataDir: config.dataDir,
      reconcile: config.reconcile,
      ...(config.httpListen ? { httpListen: config.httpListen } : {}),
      ca,
      clock,
      random,
      logger,
      metrics,
      store: reconcileStore,
      ...(reconcileState ? { reconcileState } : {}),
      // both must agree: the injected check (tests, main) and this replica's election on PostgreSQL
      leadership: {
        isLeader,
        // status shows who leads; a replica that wins the election reconciles at once
        leaderInfo: () => leadership.leaderInfo(),
        onChange: (fn) => leadership.onChange(fn),
      },
      sigilVersion: SIGIL_VERSION,
      onApplied: refresh,
      httpRoutes: authz.httpRoutes,
    })
    cleanup.push(() => reconcile.close())
    if (reconcile.http) authz.setEndpoint(reconcile.http.host, reconcile.http.port)
    const admin: AdminSocket = await startAdminSocket({
      path: config.adminSocket,
      store,
      nodes: createNodeAdmin(nodes, { clock, random, onChange: refresh }),
      logger,
      onCommit: refresh,
      reconcile: reconcile.reconciler,
      federation: federation.control,
    })
    cleanup.push(() => admin.close())

    const controller = new AbortController()
    const rotateLoop = async (signal: AbortSignal) => {
      while (!signal.aborted) {
        try {
          await clock.sleep(ROTATE_INTERVAL_MS, signal)
        } catch {
          return
        }
        try {
          const records = await ca.rotate()
          for (const r of records) logger.info({ ...r }, 'ca rotation step')
          api.bundleChanged()
          // a replica also picks up bundle changes made by the leader
          if (records.length > 0 || ca.bundle().sequence !== writtenSequence) writeBundle()
          await nodes.pruneJoinTokens(clock.now() - DAY_MS)
        } catch (err) {
          metrics.rotationFailures.inc()
          logger.warn({ err: (err as Error).message }, 'ca rotation tick failed')
        }
      }
    }
    const loops = Promise.all([
      sync.run(config.syncPollIntervalMs, controller.signal),
      api.run(controller.signal),
      rotateLoop(controller.signal),
      reconcile.run(controller.signal),
      authz.run(controller.signal),
      federation.run(controller.signal),
    ])
    // cleanup runs in reverse: the loops stop first, so no tick touches a closed store
    cleanup.push(async () => {
      controller.abort()
      await loops
    })
    let closing: Promise<void> | undefined
    return {
      trustDomain,
      host: api.host,
      port: api.port,
      adminSocket: admin.path,
      store,
      ca,
      metrics,
      reconciler: reconcile.reconciler,
      leadership,
      authz,
      federation,
      ...(reconcile.http ? { httpPort: reconcile.http.port } : {}),
      close: () => (closing ??= closeAll()),
    }
  } catch (err) {
    await closeAll()
    throw err
  }
}
