/**
 * The federation poller (SHELL): keeps each foreign trust domain's bundle fresh by polling the
 * endpoint its `FederationBundle` names, per the bundle's refresh hint with a floor and backoff.
 * Fetches run independently, so an unreachable partner never delays the others; a failed fetch
 * keeps the last good bundle. Only the leader fetches and writes; every replica serves what the
 * store holds, reloaded when another replica wrote. A relationship removed from Git stops polling,
 * and its current bundle is deleted (history stays).
 */
import { parseBundleJson, type TrustBundle } from '../ca/bundle.js'
import type { Clock } from '../core/clock.js'
import { isEngineError } from '../core/errors.js'
import type { LiveFederationBundle } from '../plan/types.js'
import type { ForeignBundleState, ForeignBundleStore } from '../store/foreign-bundle-store.js'
import { fetchBundle, type FetchedBundle } from './fetch-bundle.js'
import {
  deliveredBundles,
  endpointAuthorities,
  refreshIntervalMs,
  relationshipKey,
  retryDelayMs,
  type FederationTiming,
} from './relationships.js'

/** What the poller reports to Prometheus (engine/reconcile/metrics.ts). */
export interface FederationMetrics {
  fetched(trustDomain: string, result: 'changed' | 'unchanged' | 'failed'): void
  bundleState(trustDomain: string, sequence: number, lastSuccessAtMs: number): void
  forget(trustDomain: string): void
}

export interface FederationServiceDeps {
  readonly store: ForeignBundleStore
  /** The relationships declared in the store now (the entry sync's snapshot). */
  readonly relationships: () => Promise<readonly LiveFederationBundle[]>
  readonly localBundle: () => TrustBundle
  readonly clock: Clock
  readonly logger: {
    info(obj: object, msg: string): void
    warn(obj: object, msg: string): void
  }
  readonly isLeader: () => boolean
  /** Changes when another connection or replica wrote (the node store's data version). */
  readonly dataVersion: () => number
  /** Called when a delivered foreign bundle changed (push to agents). */
  readonly onChange: () => void
  readonly timing: FederationTiming
  /** Extra PEM roots for https_web endpoints. */
  readonly webRootsPem?: string
  readonly metrics?: FederationMetrics
}

const TICK_MS = 1000

interface Current {
  readonly state: ForeignBundleState
  /** Parsed `state.bundleJson`; undefined when nothing was fetched yet. */
  readonly bundle: TrustBundle | undefined
}

function parsed(state: ForeignBundleState): Current {
  if (state.bundleJson === '') return { state, bundle: undefined }
  try {
    return { state, bundle: parseBundleJson(state.bundleJson, state.trustDomain) }
  } catch {
    return { state, bundle: undefined }
  }
}

export class FederationService {
  private current = new Map<string, Current>()
  private readonly inflight = new Set<string>()
  /** Relationship configuration last seen, by trust domain; a change fetches at once. */
  private readonly seen = new Map<string, string>()
  private loadedVersion = Number.NaN
  private wasLeader = false
  private fetchedView: ReadonlyMap<string, TrustBundle> = new Map()

  constructor(private readonly deps: FederationServiceDeps) {}

  /** The latest fetched bundle per trust domain (relationships with an endpoint use these). */
  fetchedBundles(): ReadonlyMap<string, TrustBundle> {
    return this.fetchedView
  }

  /** Loads the stored state (call once before serving). */
  async start(): Promise<void> {
    await this.reload()
  }

  /** One poll step: terminate removed relationships, start the fetches that are due. */
  async tick(): Promise<void> {
    const relationships = await this.deps.relationships()
    const leader = this.deps.isLeader()
    const becameLeader = leader && !this.wasLeader
    this.wasLeader = leader
    if (!leader || becameLeader) {
      if (becameLeader || this.deps.dataVersion() !== this.loadedVersion) await this.reload()
      if (!leader) return
    }
    const wanted = new Map(relationships.map((r) => [r.trustDomain, r]))
    for (const td of [...this.current.keys(), ...this.seen.keys()]) {
      if (wanted.has(td)) continue
      this.seen.delete(td)
      if (this.current.delete(td)) {
        await this.deps.store.removeForeignBundle(td)
        this.deps.metrics?.forget(td)
        this.deps.logger.info({ trustDomain: td }, 'federation relationship removed: bundle dropped')
        this.publish()
      }
    }
    const nowMs = this.deps.clock.now()
    for (const rel of relationships) {
      const key = relationshipKey(rel)
      const changed = this.seen.get(rel.trustDomain) !== key
      this.seen.set(rel.trustDomain, key)
      if (rel.endpointUrl === '' || this.inflight.has(rel.trustDomain)) continue
      const due = this.current.get(rel.trustDomain)?.state.nextAttemptAtMs ?? 0
      if (!changed && due > nowMs) continue
      this.inflight.add(rel.trustDomain)
      void this.fetchOne(rel, relationships)
        .catch((err: unknown) =>
          this.deps.logger.warn(
            { trustDomain: rel.trustDomain, err: (err as Error).message },
            'federation store write failed',
          ),
        )
        .finally(() => this.inflight.delete(rel.trustDomain))
    }
  }

  /** Ticks every second until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.tick()
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message }, 'federation tick failed')
      }
      try {
        await this.deps.clock.sleep(TICK_MS, signal)
      } catch {
        return
      }
    }
  }

  private async fetchOne(rel: LiveFederationBundle, all: readonly LiveFederationBundle[]): Promise<void> {
    const { clock, store, timing } = this.deps
    const td = rel.trustDomain
    const key = relationshipKey(rel)
    const nowMs = clock.now()
    const previous = this.current.get(td)
    const local = this.deps.localBundle()
    let result: FetchedBundle | Error
    try {
      result = await fetchBundle(
        {
          trustDomain: td,
          url: rel.endpointUrl,
          profile: rel.endpointProfile === 'https_web' ? 'https_web' : 'https_spiffe',
          endpointSpiffeId: rel.endpointSpiffeId,
        },
        {
          nowMs,
          endpointAuthorities: endpointAuthorities(rel, local, deliveredBundles(all, this.fetchedView)),
          ...(this.deps.webRootsPem ? { webRootsPem: this.deps.webRootsPem } : {}),
        },
      )
      const last = previous?.bundle
      if (last && result.bundle.sequence < last.sequence && result.digest !== previous.state.digest)
        result = new Error(
          `the endpoint served sequence ${result.bundle.sequence}, older than the ${last.sequence} already fetched`,
        )
    } catch (err) {
      result = err instanceof Error ? err : new Error(String(err))
    }
    // the relationship changed or ended while fetching: this result is for a configuration gone
    if (this.seen.get(td) !== key || !this.deps.isLeader()) return
    const doneMs = clock.now()
    if (result instanceof Error) {
      const failures = (previous?.state.consecutiveFailures ?? 0) + 1
      const nextAttemptAtMs = doneMs + retryDelayMs(failures, refreshIntervalMs(previous?.bundle, timing))
      const error = isEngineError(result) ? result.message : `fetch failed: ${result.message}`
      await store.recordFetchFailure({
        trustDomain: td,
        endpointUrl: rel.endpointUrl,
        error,
        atMs: doneMs,
        nextAttemptAtMs,
      })
      await this.adopt(td, undefined)
      this.deps.metrics?.fetched(td, 'failed')
      if (previous?.state.lastError !== error)
        this.deps.logger.warn(
          { trustDomain: td, url: rel.endpointUrl, err: error, keeping: previous?.bundle?.sequence ?? null },
          'foreign bundle fetch failed; the last good bundle stays in force',
        )
      return
    }
    const changed = await store.recordFetchSuccess({
      trustDomain: td,
      endpointUrl: rel.endpointUrl,
      bundleJson: result.json,
      sequence: result.bundle.sequence,
      digest: result.digest,
      atMs: doneMs,
      nextAttemptAtMs: doneMs + refreshIntervalMs(result.bundle, timing),
    })
    const state = await this.adopt(td, result.bundle)
    this.deps.metrics?.fetched(td, changed ? 'changed' : 'unchanged')
    if (state) this.deps.metrics?.bundleState(td, state.sequence, doneMs)
    if (changed) {
      this.deps.logger.info(
        {
          trustDomain: td,
          sequence: result.bundle.sequence,
          x509Authorities: result.bundle.x509Authorities.length,
        },
        'foreign bundle updated',
      )
      this.publish()
    } else if (previous?.state.lastError) {
      this.deps.logger.info({ trustDomain: td }, 'foreign bundle endpoint reachable again')
    }
  }

  /** Takes `td`'s state as the store recorded it; `fetched` is the bundle just fetched, if any. */
  private async adopt(td: string, fetched: TrustBundle | undefined): Promise<ForeignBundleState | undefined> {
    const state = (await this.deps.store.listForeignBundles()).find((s) => s.trustDomain === td)
    if (!state) return undefined
    const before = this.current.get(td)
    const bundle =
      before?.bundle && before.state.digest === state.digest
        ? before.bundle
        : (fetched ?? parsed(state).bundle)
    this.remember(td, { state, bundle })
    return state
  }

  private remember(td: string, current: Current): void {
    const before = this.current.get(td)?.bundle
    this.current.set(td, current)
    // a new map only when a bundle changed: the entry sync caches by its identity
    if (current.bundle !== before) this.fetchedView = this.fetchedMap()
  }

  private fetchedMap(): Map<string, TrustBundle> {
    const out = new Map<string, TrustBundle>()
    for (const [td, c] of this.current) if (c.bundle) out.set(td, c.bundle)
    return out
  }

  private publish(): void {
    this.fetchedView = this.fetchedMap()
    this.deps.onChange()
  }

  /** Re-reads every state from the store; publishes when a fetched bundle changed. */
  private async reload(): Promise<void> {
    const version = this.deps.dataVersion()
    const states = await this.deps.store.listForeignBundles()
    const before = [...this.current.values()].map((c) => `${c.state.trustDomain}:${c.state.digest}`).join(',')
    this.current = new Map(states.map((s) => [s.trustDomain, parsed(s)]))
    this.loadedVersion = version
    const after = [...this.current.values()].map((c) => `${c.state.trustDomain}:${c.state.digest}`).join(',')
    if (after !== before) this.publish()
    else this.fetchedView = this.fetchedMap()
  }
}
