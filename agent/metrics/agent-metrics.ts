/**
 * Prometheus metrics of one agent (SHELL): a prom-client Registry of its own (never the global
 * default, so two agents in one process or test never share counters), named `sigil_agent_*`.
 */
import { Counter, Gauge, Registry } from 'prom-client'

/** Every metric of an agent, with the narrow hooks the Workload API, rotator and syncer call. */
export interface AgentMetrics {
  readonly registry: Registry
  /** A Workload API call or stream ended with the gRPC status `code` (its name, e.g. `OK`). */
  workloadApiRequest(method: string, code: string): void
  /** A Workload API caller could not be attested. */
  workloadAttestationFailed(): void
  /** `count` SVIDs of `type` were minted and cached. */
  svidRotated(type: 'x509' | 'jwt', count?: number): void
  /** The authorized-entry stream is open (a message arrived) or closed. */
  syncConnected(connected: boolean): void
  /** A sync message was applied at `nowMs` (Unix ms). */
  synced(nowMs: number): void
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>
  readonly contentType: string
}

/** Creates the registry and every metric; `cachedSvids` is read at scrape time. */
export function createAgentMetrics(options: { readonly cachedSvids: () => number }): AgentMetrics {
  const registry = new Registry()
  const registers = [registry]
  const requests = new Counter({
    name: 'sigil_agent_workload_api_requests_total',
    help: 'Workload API calls and streams by method and final gRPC status code name',
    labelNames: ['method', 'code'],
    registers,
  })
  const attestationFailures = new Counter({
    name: 'sigil_agent_workload_attestation_failures_total',
    help: 'Workload API callers that could not be attested',
    registers,
  })
  const rotations = new Counter({
    name: 'sigil_agent_svid_rotations_total',
    help: 'Workload SVIDs minted by type (x509, jwt)',
    labelNames: ['type'],
    registers,
  })
  new Gauge({
    name: 'sigil_agent_svids_cached',
    help: 'Workload X509-SVIDs held in the cache',
    registers,
    collect() {
      this.set(options.cachedSvids())
    },
  })
  const connected = new Gauge({
    name: 'sigil_agent_server_sync_connected',
    help: '1 while the authorized-entry stream to the server is open',
    registers,
  })
  const lastSync = new Gauge({
    name: 'sigil_agent_last_sync_timestamp_seconds',
    help: 'Unix time of the last sync message applied (0 = never)',
    registers,
  })
  for (const type of ['x509', 'jwt']) rotations.inc({ type }, 0)
  connected.set(0)
  lastSync.set(0)
  return {
    registry,
    workloadApiRequest: (method, code) => requests.inc({ method, code }),
    workloadAttestationFailed: () => attestationFailures.inc(),
    svidRotated: (type, count = 1) => rotations.inc({ type }, count),
    syncConnected: (isConnected) => connected.set(isConnected ? 1 : 0),
    synced: (nowMs) => lastSync.set(nowMs / 1000),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  }
}
