/**
 * The agent's SVID cache as plain state and pure transitions: the authorized entries and bundles
 * from the last sync, and one X509-SVID (with its node-local key) per entry. PURE: time and jitter
 * come in as arguments.
 */
import { entryMatches } from './match.js'
import { isExpired, rotateAtMs, shouldRotate } from './rotation.js'

/** An authorized registration entry as synced from the server. */
export interface CachedEntry {
  readonly id: string
  readonly spiffeId: string
  readonly parentId: string
  /** `type:value`, all must match the caller. */
  readonly selectors: readonly string[]
  /** 0 = the server's default. */
  readonly x509SvidTtlSeconds: number
  readonly jwtSvidTtlSeconds: number
  readonly dnsNames: readonly string[]
  /** Trust domain names. */
  readonly federatesWith: readonly string[]
  readonly hint: string
  readonly revisionNumber: number
}

/** A JWT signing key of a bundle (DER SPKI). */
export interface CachedJwtAuthority {
  readonly kid: string
  readonly publicKeySpkiDer: Buffer
  readonly expiresAtMs: number
}

/** The trust bundle of one trust domain, as synced. */
export interface CachedBundle {
  readonly trustDomain: string
  readonly x509AuthoritiesDer: readonly Buffer[]
  readonly jwtAuthorities: readonly CachedJwtAuthority[]
  readonly sequence: number
}

/** An X509-SVID minted for an entry, with the key generated on this node. */
export interface CachedX509Svid {
  readonly entryId: string
  readonly spiffeId: string
  /** DER, leaf first. */
  readonly certChainDer: readonly Buffer[]
  readonly privateKeyPkcs8Der: Buffer
  readonly notBeforeMs: number
  readonly notAfterMs: number
  /** `svidFingerprint` of the entry it was minted for; a different one means re-mint. */
  readonly fingerprint: string
  /** Rotation jitter ∈ [-0.05, 0.05], drawn when minted. */
  readonly jitter: number
}

/** One full sync message (every message is the complete authorized state). */
export interface SyncState {
  readonly revision: number
  readonly entries: readonly CachedEntry[]
  readonly bundle: CachedBundle
  readonly federatedBundles: readonly CachedBundle[]
}

/** The whole cache. */
export interface CacheState {
  /** Store revision of the last sync; -1 before the first. */
  readonly revision: number
  readonly entries: ReadonlyMap<string, CachedEntry>
  /** Order in which entries were first seen (the default identity is the oldest). */
  readonly firstSeen: ReadonlyMap<string, number>
  readonly nextSeq: number
  readonly svids: ReadonlyMap<string, CachedX509Svid>
  readonly bundle: CachedBundle | undefined
  readonly federated: ReadonlyMap<string, CachedBundle>
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The state before the first sync. */
export function emptyCache(): CacheState {
  return {
    revision: -1,
    entries: new Map(),
    firstSeen: new Map(),
    nextSeq: 0,
    svids: new Map(),
    bundle: undefined,
    federated: new Map(),
  }
}

/** The entry fields an X509-SVID is made from; when they change the SVID is minted again. */
export function svidFingerprint(entry: CachedEntry): string {
  return JSON.stringify([entry.spiffeId, [...entry.dnsNames].sort(cmp), entry.x509SvidTtlSeconds])
}

function sameEntry(a: CachedEntry, b: CachedEntry): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function sameBundle(a: CachedBundle | undefined, b: CachedBundle | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return (
    a.trustDomain === b.trustDomain &&
    a.sequence === b.sequence &&
    a.x509AuthoritiesDer.length === b.x509AuthoritiesDer.length &&
    a.x509AuthoritiesDer.every((d, i) => d.equals(b.x509AuthoritiesDer[i] as Buffer)) &&
    a.jwtAuthorities.map((k) => k.kid).join() === b.jwtAuthorities.map((k) => k.kid).join()
  )
}

/**
 * Replaces entries and bundles with a sync message. SVIDs of removed entries are dropped at once
 * (their workloads lose the identity); SVIDs of changed entries are kept until re-minted.
 */
export function applySync(state: CacheState, sync: SyncState): { state: CacheState; changed: boolean } {
  const entries = new Map<string, CachedEntry>()
  const firstSeen = new Map<string, number>()
  let nextSeq = state.nextSeq
  let changed = !sameBundle(state.bundle, sync.bundle) || state.entries.size !== sync.entries.length
  for (const entry of sync.entries) {
    entries.set(entry.id, entry)
    const before = state.entries.get(entry.id)
    if (!before || !sameEntry(before, entry)) changed = true
    firstSeen.set(entry.id, state.firstSeen.get(entry.id) ?? nextSeq++)
  }
  const svids = new Map([...state.svids].filter(([id]) => entries.has(id)))
  const federated = new Map(sync.federatedBundles.map((b) => [b.trustDomain, b]))
  if (
    federated.size !== state.federated.size ||
    [...federated].some(([td, b]) => !sameBundle(state.federated.get(td), b))
  )
    changed = true
  if (!changed) return { state: { ...state, revision: sync.revision }, changed: false }
  return {
    state: { revision: sync.revision, entries, firstSeen, nextSeq, svids, bundle: sync.bundle, federated },
    changed,
  }
}

/** Stores a minted SVID; ignored (unchanged state) when its entry is gone or changed meanwhile. */
export function storeSvid(state: CacheState, svid: CachedX509Svid): CacheState {
  const entry = state.entries.get(svid.entryId)
  if (!entry || svidFingerprint(entry) !== svid.fingerprint) return state
  const svids = new Map(state.svids)
  svids.set(svid.entryId, svid)
  return { ...state, svids }
}

/** Entries that have no SVID, an SVID for an older version of the entry, or one due for rotation. */
export function entriesNeedingSvid(state: CacheState, nowMs: number): CachedEntry[] {
  const out: CachedEntry[] = []
  for (const entry of state.entries.values()) {
    const svid = state.svids.get(entry.id)
    if (!svid || svid.fingerprint !== svidFingerprint(entry) || shouldRotate(svid, nowMs, svid.jitter))
      out.push(entry)
  }
  return out
}

/** The earliest future instant at which an SVID rotates or expires; undefined when there is none. */
export function nextEventAtMs(state: CacheState, nowMs: number): number | undefined {
  let next: number | undefined
  for (const svid of state.svids.values()) {
    for (const at of [rotateAtMs(svid, svid.jitter), svid.notAfterMs]) {
      if (at > nowMs && (next === undefined || at < next)) next = at
    }
  }
  return next
}

/**
 * The usable (unexpired) SVIDs whose entry selectors are all in `selectors`, oldest entry first,
 * ties by entry ID.
 */
export function matchingSvids(
  state: CacheState,
  selectors: ReadonlySet<string>,
  nowMs: number,
): { entry: CachedEntry; svid: CachedX509Svid }[] {
  const out: { entry: CachedEntry; svid: CachedX509Svid }[] = []
  for (const entry of state.entries.values()) {
    const svid = state.svids.get(entry.id)
    if (!svid || isExpired(svid, nowMs) || !entryMatches(entry.selectors, selectors)) continue
    out.push({ entry, svid })
  }
  const seq = (id: string) => state.firstSeen.get(id) ?? 0
  return out.sort((a, b) => seq(a.entry.id) - seq(b.entry.id) || cmp(a.entry.id, b.entry.id))
}
