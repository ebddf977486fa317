/**
 * The agent's live identity: its SVID and the trust bundle, the mTLS client built from them, and
 * the renewal loop (RenewAgent at a jittered half life, persisted). Only when the SVID has expired
 * does it attest again, which a k8s_psat agent can do on its own and a join-token agent cannot.
 */
import { certificatePem } from '../../engine/ca/bundle.js'
import { verifyX509Svid } from '../../engine/ca/verify-x509-svid.js'
import type { Random } from '../../engine/core/random.js'
import { isExpired, jitterFromUnit, rotateAtMs } from '../svid/rotation.js'
import {
  agentSvid,
  privateKeyPem,
  saveAgentBundle,
  saveAgentRecord,
  type AgentRecord,
} from './agent-store.js'
import { attestAgent, attestationMethod, type AttestDeps, type AttestOptions } from './node-attestor.js'
import { AgentApiClient } from './server-client.js'

export interface AgentIdentityDeps extends AttestDeps {
  readonly random: Random
  readonly logger: AttestDeps['logger'] & { error(fields: object, message: string): void }
}

const MIN_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 60_000

const pemOf = (ders: readonly Buffer[]) => ders.map(certificatePem).join('')

/** See the module comment. */
export class AgentIdentity {
  private currentClient: AgentApiClient | undefined
  private previousClient: AgentApiClient | undefined
  private jitter: number

  constructor(
    private record: AgentRecord,
    private readonly options: AttestOptions,
    private readonly deps: AgentIdentityDeps,
  ) {
    this.jitter = jitterFromUnit(deps.random.unit())
  }

  /** The agent SPIFFE ID. */
  get spiffeId(): string {
    return this.record.svid.spiffeId
  }

  /** The persisted record as it is now. */
  get current(): AgentRecord {
    return this.record
  }

  /** The mTLS client for the current SVID and bundle (rebuilt when either changes). */
  client(): AgentApiClient {
    this.currentClient ??= new AgentApiClient({
      address: this.options.serverAddress,
      trustDomain: this.options.trustDomain,
      rootsPem: pemOf(this.record.bundleDer),
      identity: {
        keyPem: privateKeyPem(this.record.svid.privateKeyPkcs8Der),
        chainPem: pemOf(this.record.svid.certChainDer),
      },
    })
    return this.currentClient
  }

  /** Takes the bundle from a sync; persists it and rebuilds the client when it changed. */
  async updateBundle(bundleDer: readonly Buffer[]): Promise<void> {
    const same =
      bundleDer.length === this.record.bundleDer.length &&
      bundleDer.every((d, i) => d.equals(this.record.bundleDer[i] as Buffer))
    if (same || bundleDer.length === 0) return
    this.record = { ...this.record, bundleDer }
    this.swapClient()
    await saveAgentBundle(this.options.dataDir, bundleDer)
  }

  /** Renews at about half life until `signal` aborts; on failure retries with backoff. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0
    while (!signal.aborted) {
      const nowMs = this.deps.clock.now()
      const waitMs =
        failures > 0
          ? Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (failures - 1))
          : Math.max(0, rotateAtMs(this.record.svid, this.jitter) - nowMs)
      try {
        await this.deps.clock.sleep(waitMs, signal)
      } catch {
        return
      }
      try {
        await this.renewOrReattest()
        failures = 0
      } catch (err) {
        failures++
        this.logFailure(err)
      }
    }
  }

  /** One renewal (or, once expired, re-attestation when possible). */
  async renewOrReattest(): Promise<void> {
    if (isExpired(this.record.svid, this.deps.clock.now())) {
      if (attestationMethod(this.options) !== 'k8s_psat') {
        throw Object.assign(new Error('agent svid expired'), { expired: true })
      }
      this.record = await attestAgent(this.options, pemOf(this.record.bundleDer), this.deps)
    } else {
      const { csrDer, privateKeyPkcs8Der } = this.deps.createCsr(this.record.svid.spiffeId)
      const wire = await this.client().renewAgent(csrDer)
      const authorities = this.record.bundleDer.map((certDer) => ({ certDer }))
      await verifyX509Svid(
        wire.cert_chain,
        (td) => (td === this.record.trustDomain ? authorities : undefined),
        this.deps.clock.now(),
      )
      this.record = { ...this.record, svid: agentSvid(wire.spiffe_id, wire.cert_chain, privateKeyPkcs8Der) }
      await saveAgentRecord(this.options.dataDir, this.record)
    }
    this.jitter = jitterFromUnit(this.deps.random.unit())
    this.swapClient()
    this.deps.logger.info(
      { spiffeId: this.record.svid.spiffeId, notAfterMs: this.record.svid.notAfterMs },
      'agent svid renewed',
    )
  }

  /** Closes the clients. */
  close(): void {
    this.previousClient?.close()
    this.currentClient?.close()
    this.previousClient = this.currentClient = undefined
  }

  private swapClient(): void {
    // the previous client's open sync stream keeps running until it reconnects on the new one
    this.previousClient?.close()
    this.previousClient = this.currentClient
    this.currentClient = undefined
  }

  private logFailure(err: unknown): void {
    if ((err as { expired?: boolean }).expired) {
      this.deps.logger.error(
        { spiffeId: this.record.svid.spiffeId },
        'agent svid expired and a join token cannot be reused: create a new one with `sigil token create ' +
          '--agent-name NAME` and restart the agent with --join-token (cached workload svids are served until they expire)',
      )
      return
    }
    this.deps.logger.warn({ err: (err as Error).message }, 'agent svid renewal failed; retrying')
  }
}
