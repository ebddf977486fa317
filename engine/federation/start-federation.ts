/**
 * The server's federation side, wired from its config: the SPIFFE bundle endpoint (when configured)
 * and the poller of foreign bundles, with the admin control `sigil bundle list` reads.
 */
import type { ServerSvid } from '../api/server-svid.js'
import type { TrustBundle } from '../ca/bundle.js'
import type { Clock } from '../core/clock.js'
import type { LiveFederationBundle } from '../plan/types.js'
import type { ForeignBundleStore } from '../store/foreign-bundle-store.js'
import { startBundleEndpoint, type BundleEndpoint } from './bundle-endpoint.js'
import type { FederationConfig } from './config.js'
import { storeFederationControl, type FederationControl } from './control.js'
import { FederationService, type FederationMetrics } from './federation-service.js'

export interface FederationRuntime {
  readonly service: FederationService
  readonly endpoint?: BundleEndpoint
  readonly control: FederationControl
  run(signal: AbortSignal): Promise<void>
  close(): Promise<void>
}

export interface FederationRuntimeDeps {
  readonly config: FederationConfig
  readonly store: ForeignBundleStore
  readonly relationships: () => Promise<readonly LiveFederationBundle[]>
  readonly localBundle: () => TrustBundle
  /** Only built when the https_spiffe endpoint is served. */
  readonly serverSvid: () => ServerSvid
  readonly clock: Clock
  readonly logger: {
    info(obj: object, msg: string): void
    warn(obj: object, msg: string): void
    debug(obj: object, msg: string): void
  }
  readonly isLeader: () => boolean
  readonly dataVersion: () => number
  readonly onChange: () => void
  readonly metrics: FederationMetrics
}

/** Loads the stored foreign bundles and starts the bundle endpoint; `run` polls until aborted. */
export async function startFederation(deps: FederationRuntimeDeps): Promise<FederationRuntime> {
  const { config } = deps
  const service = new FederationService({
    store: deps.store,
    relationships: deps.relationships,
    localBundle: deps.localBundle,
    clock: deps.clock,
    logger: deps.logger,
    isLeader: deps.isLeader,
    dataVersion: deps.dataVersion,
    onChange: deps.onChange,
    timing: config.timing,
    metrics: deps.metrics,
    ...(config.webRootsPem ? { webRootsPem: config.webRootsPem } : {}),
  })
  await service.start()
  const ep = config.bundleEndpoint
  const endpoint = ep
    ? await startBundleEndpoint({
        host: ep.host,
        port: ep.port,
        profile: ep.profile,
        bundle: deps.localBundle,
        refreshHintSeconds: ep.refreshHintSeconds,
        clock: deps.clock,
        logger: deps.logger,
        ...(ep.profile === 'https_spiffe' ? { serverSvid: deps.serverSvid() } : {}),
        ...(ep.webCertificate ? { webCertificate: ep.webCertificate } : {}),
      })
    : undefined
  return {
    service,
    ...(endpoint ? { endpoint } : {}),
    control: storeFederationControl(deps.relationships, deps.store),
    run: async (signal) => {
      await Promise.all([service.run(signal), endpoint?.run(signal)])
    },
    close: async () => {
      await endpoint?.close()
      await deps.store.close()
    },
  }
}
