/**
 * Prometheus metrics of one server (SHELL): a prom-client Registry of its own (never the global
 * default, so two servers in one process or test never share counters), named `sigil_*`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { AgentApiMetrics } from '../api/agent-handlers.js'

/** Every metric of a server. */
export interface ServerMetrics extends AgentApiMetrics {
  readonly registry: Registry
  readonly reconcileDuration: Histogram<'result'>
  readonly reconcileTotal: Counter<'result'>
  readonly reconcileFailures: Counter<'code'>
  readonly lastSuccess: Gauge
  readonly lastAttempt: Gauge
  readonly entries: Gauge<'state'>
  readonly driftDetected: Gauge
  readonly driftFound: Counter<'action'>
  readonly applies: Counter<'trigger'>
  readonly appliedChanges: Counter<'action'>
  readonly refusals: Counter<'code'>
  readonly suspended: Gauge
  readonly leader: Gauge
  readonly webhooks: Counter<'provider' | 'result'>
  readonly svids: Counter<'type'>
  readonly attestationFailures: Counter<'method' | 'code'>
  readonly authorizationDenials: Counter<'agent'>
  readonly rotationFailures: Counter
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>
  readonly contentType: string
}

/** Creates the registry and every `sigil_*` metric (counters start at 0, so alerts see a series). */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry()
  const registers = [registry]
  const reconcileDuration = new Histogram({
    name: 'sigil_reconcile_duration_seconds',
    help: 'Duration of reconcile cycles, by result',
    labelNames: ['result'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  })
  const reconcileTotal = new Counter({
    name: 'sigil_reconcile_total',
    help: 'Reconcile cycles by result (applied, unchanged, drift_reported, failed, refused, skipped)',
    labelNames: ['result'],
    registers,
  })
  const reconcileFailures = new Counter({
    name: 'sigil_reconcile_failures_total',
    help: 'Reconcile cycles that kept the last applied commit, by error code',
    labelNames: ['code'],
    registers,
  })
  const lastSuccess = new Gauge({
    name: 'sigil_reconcile_last_success_timestamp_seconds',
    help: 'Unix time of the last cycle that left the store in sync with the source head (0 = never)',
    registers,
  })
  const lastAttempt = new Gauge({
    name: 'sigil_reconcile_last_attempt_timestamp_seconds',
    help: 'Unix time of the last reconcile cycle',
    registers,
  })
  const entries = new Gauge({
    name: 'sigil_reconcile_entries',
    help: 'Entries by state: desired (declared), live (managed in the store), drifted, unmanaged',
    labelNames: ['state'],
    registers,
  })
  const driftDetected = new Gauge({
    name: 'sigil_reconcile_drift_detected',
    help: '1 while the store differs from the applied commit by changes made outside Git',
    registers,
  })
  const driftFound = new Counter({
    name: 'sigil_reconcile_drift_changes_total',
    help: 'Changes made outside Git found by the reconciler, by action (reverted in apply mode, reported in warn mode)',
    labelNames: ['action'],
    registers,
  })
  const applies = new Counter({
    name: 'sigil_reconcile_applies_total',
    help: 'Commits of changes to the store by the reconciler, by trigger (commit or drift)',
    labelNames: ['trigger'],
    registers,
  })
  const appliedChanges = new Counter({
    name: 'sigil_reconcile_applied_changes_total',
    help: 'Changes applied by the reconciler, by action',
    labelNames: ['action'],
    registers,
  })
  const refusals = new Counter({
    name: 'sigil_reconcile_refusals_total',
    help: 'Plans refused by a safety gate, by error code',
    labelNames: ['code'],
    registers,
  })
  const suspended = new Gauge({
    name: 'sigil_reconcile_suspended',
    help: '1 while reconciliation is suspended',
    registers,
  })
  const leader = new Gauge({
    name: 'sigil_reconcile_leader',
    help: '1 when this replica may reconcile',
    registers,
  })
  const webhooks = new Counter({
    name: 'sigil_webhook_requests_total',
    help: 'POST /hooks/git requests by provider and result (accepted, ignored, unauthorized, invalid)',
    labelNames: ['provider', 'result'],
    registers,
  })
  const svids = new Counter({
    name: 'sigil_svids_minted_total',
    help: 'SVIDs minted by type (agent, x509, jwt)',
    labelNames: ['type'],
    registers,
  })
  const attestationFailures = new Counter({
    name: 'sigil_attestation_failures_total',
    help: 'Failed node attestations by method and error code',
    labelNames: ['method', 'code'],
    registers,
  })
  const authorizationDenials = new Counter({
    name: 'sigil_authorization_denials_total',
    help: 'SVID requests for entries not authorized to the calling agent, by agent ID',
    labelNames: ['agent'],
    registers,
  })
  const rotationFailures = new Counter({
    name: 'sigil_ca_rotation_failures_total',
    help: 'CA rotation ticks that failed',
    registers,
  })
  for (const type of ['agent', 'x509', 'jwt']) svids.inc({ type }, 0)
  for (const action of ['reverted', 'reported']) driftFound.inc({ action }, 0)
  for (const state of ['desired', 'live', 'drifted', 'unmanaged']) entries.set({ state }, 0)
  return {
    registry,
    reconcileDuration,
    reconcileTotal,
    reconcileFailures,
    lastSuccess,
    lastAttempt,
    entries,
    driftDetected,
    driftFound,
    applies,
    appliedChanges,
    refusals,
    suspended,
    leader,
    webhooks,
    svids,
    attestationFailures,
    authorizationDenials,
    rotationFailures,
    svidMinted: (type, count = 1) => svids.inc({ type }, count),
    attestationFailed: (method, code) => attestationFailures.inc({ method, code }),
    authorizationDenied: (agentId) => authorizationDenials.inc({ agent: agentId }),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  }
}
