/**
 * Authorized-entry sync: one index of the live state per store revision, shared by all agents (kept
 * up to date with the store's entry changes, not rebuilt), and a push of the full authorized set to
 * each connected agent whose set (or the bundle) changed.
 * Commits by other processes are noticed by polling `PRAGMA data_version` on the injected clock.
 */
import type { TrustBundle } from '../ca/bundle.js'
import type { Clock } from '../core/clock.js'
import { sha256Hex } from '../core/digest.js'
import { bundleDigest, deliveredBundles } from '../federation/relationships.js'
import type { LiveEntry, LiveState } from '../plan/types.js'
import type { AttestedNode, NodeStore, Revocation } from '../store/node-store.js'
import type { RegistrationStore } from '../store/registration-store.js'
import { LiveStateCache, type CachedLiveState } from '../store/live-state-cache.js'
import {
  authorizedEntries,
  indexEntries,
  updateEntryIndex,
  type AuthorizedEntryIndex,
} from './authorized-entries.js'
import { wireBundle, wireEntry, type WireBundle, type WireEntry } from './wire.js'

/** proto `SyncAuthorizedEntriesResponse`. */
export interface SyncMessage {
  revision: number
  entries: WireEntry[]
  bundle: WireBundle
  federated_bundles: WireBundle[]
}

/** A connected agent stream. */
interface Subscriber {
  node: AttestedNode
  lastHash: string
  readonly send: (message: SyncMessage) => void
  /** Ends the stream with an error (ban, agent removed). */
  readonly fail: (err: unknown) => void
  /** Ends the stream with OK (server shutdown). */
  readonly end: () => void
}

/** The callbacks of one stream. */
export type SyncStream = Pick<Subscriber, 'send' | 'fail' | 'end'>

/** The active revocations as last loaded. */
interface ActiveRevocations {
  readonly version: number
  /** Revoked SPIFFE IDs joined, to notice a change of the set. */
  readonly ids: string
  /** Earliest expiry among them; Infinity when none expires. */
  readonly nextExpiryMs: number
  readonly bySpiffeId: ReadonlyMap<string, Revocation>
}

interface Snapshot {
  readonly revision: number
  readonly live: LiveState
  readonly index: AuthorizedEntryIndex
}

/** The foreign bundles delivered for one snapshot and one set of fetched bundles. */
interface Delivered {
  readonly snapshot: Snapshot
  readonly fetched: ReadonlyMap<string, TrustBundle>
  /** By trust domain, with the content digest that decides whether agents need a push. */
  readonly bundles: ReadonlyMap<string, { readonly wire: WireBundle; readonly digest: string }>
}

const NO_BUNDLES: ReadonlyMap<string, TrustBundle> = new Map()

export interface EntrySyncDeps {
  readonly store: RegistrationStore
  readonly nodes: NodeStore
  readonly clock: Clock
  readonly trustDomain: string
  readonly bundle: () => TrustBundle
  /** Re-checks a subscriber's node; throw to end its stream (banned, unknown). */
  readonly checkNode: (agentId: string) => Promise<AttestedNode>
  /** Foreign bundles fetched from federation endpoints (engine/federation); default none. */
  readonly fetchedBundles?: () => ReadonlyMap<string, TrustBundle>
  readonly onError?: (err: unknown) => void
}

/** The entry sync hub. */
export class EntrySync {
  private snapshot: Snapshot | undefined
  private loading: Promise<Snapshot> | undefined
  private readonly subscribers = new Set<Subscriber>()
  private lastDataVersion = -1
  private refreshing: Promise<void> = Promise.resolve()
  private readonly cache = new Map<string, { key: string; entries: Map<string, LiveEntry> }>()
  private revocations: ActiveRevocations | undefined
  private revocationsDirty = true
  private loadingRevocations: Promise<ReadonlyMap<string, Revocation>> | undefined
  private revocationGeneration = 0
  private delivered: Delivered | undefined

  private readonly liveCache: LiveStateCache

  constructor(private readonly deps: EntrySyncDeps) {
    this.liveCache = new LiveStateCache(deps.store)
  }

  /** Agents currently streaming. */
  get streams(): number {
    return this.subscribers.size
  }

  /** The snapshot at the store's current revision (reloaded when the revision moved). */
  async fresh(): Promise<Snapshot> {
    const { revision, lineage } = await this.deps.store.fetchRevision()
    const current = this.snapshot
    if (current && current.revision === revision && current.live.lineage === lineage) return current
    this.loading ??= this.liveCache
      .read()
      .then(({ live, delta }) => {
        const snap = {
          revision: live.revision,
          live,
          index: this.indexOf(live, delta),
        }
        this.snapshot = snap
        this.cache.clear()
        return snap
      })
      .finally(() => (this.loading = undefined))
    return this.loading
  }

  /** The index of `live`: the previous snapshot's updated by the entry changes when it is their base. */
  private indexOf(live: LiveState, delta: CachedLiveState['delta']): AuthorizedEntryIndex {
    const previous = this.snapshot
    if (delta && previous && previous.live === delta.from)
      return updateEntryIndex(previous.index, delta.changes)
    return indexEntries(live.entries, this.deps.trustDomain)
  }

  /**
   * Active emergency revocations by SPIFFE ID on the server's clock; reloaded after a store write
   * (data version, or `refresh()` for this process's own writes) or when one expires.
   */
  async activeRevocations(): Promise<ReadonlyMap<string, Revocation>> {
    const nowMs = this.deps.clock.now()
    const version = this.deps.nodes.dataVersion()
    const current = this.revocations
    if (current && !this.revocationsDirty && current.version === version && nowMs < current.nextExpiryMs)
      return this.loadingRevocations ?? current.bySpiffeId
    this.revocationsDirty = false
    // callers during the load wait for it instead of reading the set it replaces
    const loading = this.loadRevocations(version, nowMs)
    this.loadingRevocations = loading
    try {
      return await loading
    } finally {
      if (this.loadingRevocations === loading) this.loadingRevocations = undefined
    }
  }

  private async loadRevocations(version: number, nowMs: number): Promise<ReadonlyMap<string, Revocation>> {
    const current = this.revocations
    const list = await this.deps.nodes.listRevocations({ activeAtMs: nowMs })
    const bySpiffeId = new Map(list.map((r) => [r.spiffeId, r]))
    const ids = [...bySpiffeId.keys()].join('\n')
    if (ids !== current?.ids) this.revocationGeneration += 1
    const nextExpiryMs = Math.min(
      Infinity,
      ...list.flatMap((r) => (r.expiresAtMs === null ? [] : [r.expiresAtMs])),
    )
    this.revocations = { version, ids, nextExpiryMs, bySpiffeId }
    return bySpiffeId
  }

  /** The active revocation blocking the entry `entryId`, if its SPIFFE ID is revoked. */
  async revocationOf(entryId: string): Promise<Revocation | undefined> {
    const entry = (await this.fresh()).index.byId.get(entryId)
    return entry && (await this.activeRevocations()).get(entry.spiffeId)
  }

  /** Whether a revocation expired since the last load (the poll loop then re-pushes). */
  private revocationExpired(): boolean {
    return this.revocations !== undefined && this.deps.clock.now() >= this.revocations.nextExpiryMs
  }

  /** The entries authorized for `node` at the current revision, by entry ID (revoked SPIFFE IDs left out). */
  async authorizedFor(node: AttestedNode): Promise<ReadonlyMap<string, LiveEntry>> {
    const snap = await this.fresh()
    const revoked = await this.activeRevocations()
    const key = `${snap.revision}\n${this.revocationGeneration}\n${node.updatedAtMs}\n${node.selectors.join(',')}\n${node.aliasIds.join(',')}`
    const hit = this.cache.get(node.agentId)
    if (hit && hit.key === key) return hit.entries
    const entries = new Map(
      authorizedEntries(snap.index, node)
        .filter((e) => !revoked.has(e.spiffeId))
        .map((e) => [e.id, e]),
    )
    this.cache.set(node.agentId, { key, entries })
    return entries
  }

  /** The trust domain settings of the current snapshot (TTL defaults). */
  async settings(): Promise<LiveState['trustDomainSettings']> {
    return (await this.fresh()).live.trustDomainSettings
  }

  /**
   * The foreign bundles delivered now: per relationship declared in the store, the latest fetched
   * bundle, else the one pinned in Git (engine/federation/relationships.ts).
   */
  private federatedOf(snapshot: Snapshot): Delivered['bundles'] {
    const fetched = this.deps.fetchedBundles?.() ?? NO_BUNDLES
    const hit = this.delivered
    if (hit && hit.snapshot === snapshot && hit.fetched === fetched) return hit.bundles
    const bundles = new Map(
      [...deliveredBundles(snapshot.live.federationBundles, fetched)].map(([td, b]) => [
        td,
        { wire: wireBundle(b), digest: bundleDigest(b) },
      ]),
    )
    this.delivered = { snapshot, fetched, bundles }
    return bundles
  }

  /** Every foreign bundle delivered now. */
  async federatedBundles(): Promise<WireBundle[]> {
    return [...this.federatedOf(await this.fresh()).values()].map((b) => b.wire)
  }

  /** The relationships declared in the store (federation poller). */
  async federationRelationships(): Promise<LiveState['federationBundles']> {
    return (await this.fresh()).live.federationBundles
  }

  private async message(node: AttestedNode): Promise<{ message: SyncMessage; hash: string }> {
    const snap = await this.fresh()
    const entries = [...(await this.authorizedFor(node)).values()].map(wireEntry)
    const tds = new Set(entries.flatMap((e) => e.federates_with))
    const delivered = this.federatedOf(snap)
    const federated = [...tds].sort().flatMap((td) => {
      const b = delivered.get(td)
      return b ? [b] : []
    })
    const bundle = wireBundle(this.deps.bundle())
    const message = {
      revision: snap.revision,
      entries,
      bundle,
      federated_bundles: federated.map((b) => b.wire),
    }
    const hash = sha256Hex(
      JSON.stringify([entries, bundle.sequence, federated.map((b) => [b.wire.trust_domain, b.digest])]),
    )
    return { message, hash }
  }

  /** Registers a stream and sends its first message at once; returns the unsubscribe function. */
  async subscribe(node: AttestedNode, stream: SyncStream): Promise<() => void> {
    const sub: Subscriber = { node, lastHash: '', ...stream }
    const { message, hash } = await this.message(node)
    sub.lastHash = hash
    sub.send(message)
    this.subscribers.add(sub)
    return () => this.subscribers.delete(sub)
  }

  /** Re-checks every stream (bans, revision, bundle) and pushes where the set changed; serialised. */
  refresh(): Promise<void> {
    // a revocation written through this process's own connection does not move the data version
    this.revocationsDirty = true
    this.refreshing = this.refreshing.then(() => this.refreshNow()).catch((err) => this.deps.onError?.(err))
    return this.refreshing
  }

  private async refreshNow(): Promise<void> {
    for (const sub of [...this.subscribers]) {
      if (!this.subscribers.has(sub)) continue
      try {
        sub.node = await this.deps.checkNode(sub.node.agentId)
      } catch (err) {
        this.subscribers.delete(sub)
        sub.fail(err)
        continue
      }
      const { message, hash } = await this.message(sub.node)
      if (hash !== sub.lastHash) {
        sub.lastHash = hash
        sub.send(message)
      }
    }
  }

  /** Polls for commits by any other connection every `intervalMs` until `signal` aborts. */
  async run(intervalMs: number, signal: AbortSignal): Promise<void> {
    this.lastDataVersion = this.deps.nodes.dataVersion()
    while (!signal.aborted) {
      try {
        await this.deps.clock.sleep(intervalMs, signal)
      } catch {
        return
      }
      const version = this.deps.nodes.dataVersion()
      if (version === this.lastDataVersion && !this.revocationExpired()) continue
      this.lastDataVersion = version
      await this.refresh()
    }
  }

  /** Ends every stream with OK (server shutdown). */
  endAll(): void {
    const subs = [...this.subscribers]
    this.subscribers.clear()
    for (const sub of subs) sub.end()
  }
}
