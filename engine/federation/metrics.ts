/** Prometheus metrics of the federation poller, registered on the server's own registry. */
import { Counter, Gauge, type Registry } from 'prom-client'
import type { FederationMetrics } from './federation-service.js'

/** `sigil_federation_*`: fetches by result, and each foreign bundle's sequence and last good fetch. */
export function createFederationMetrics(registry: Registry): FederationMetrics {
  const registers = [registry]
  const fetches = new Counter({
    name: 'sigil_federation_fetches_total',
    help: 'Foreign bundle fetches by trust domain and result (changed, unchanged, failed)',
    labelNames: ['trust_domain', 'result'],
    registers,
  })
  const sequence = new Gauge({
    name: 'sigil_federation_bundle_sequence',
    help: 'spiffe_sequence of the foreign bundle in force, by trust domain',
    labelNames: ['trust_domain'],
    registers,
  })
  const lastSuccess = new Gauge({
    name: 'sigil_federation_last_success_timestamp_seconds',
    help: 'Unix time of the last successful fetch of a foreign bundle, by trust domain',
    labelNames: ['trust_domain'],
    registers,
  })
  return {
    fetched: (trustDomain, result) => fetches.inc({ trust_domain: trustDomain, result }),
    bundleState(trustDomain, seq, lastSuccessAtMs) {
      sequence.set({ trust_domain: trustDomain }, seq)
      lastSuccess.set({ trust_domain: trustDomain }, Math.floor(lastSuccessAtMs / 1000))
    },
    forget(trustDomain) {
      sequence.remove({ trust_domain: trustDomain })
      lastSuccess.remove({ trust_domain: trustDomain })
      for (const result of ['changed', 'unchanged', 'failed'])
        fetches.remove({ trust_domain: trustDomain, result })
    },
  }
}
