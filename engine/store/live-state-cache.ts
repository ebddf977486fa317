/**
 * The live state kept in memory between reads and brought up to date with the store's entry changes
 * (`readLiveStateChanges`) instead of read again in full: a one-entry commit costs a one-row read.
 * Whenever the store cannot tell the changes (another lineage, a revision it does not track) the
 * cache reads the whole state, so it never serves anything but the store's current state.
 */
import type { LiveEntry, LiveState } from '../plan/types.js'
import type { LiveStateChanges, RegistrationStore, StoreStats } from './registration-store.js'

/**
 * Orders strings by code point, which is the byte order of their UTF-8 in which both stores sort
 * IDs (SQLite's BINARY collation, PostgreSQL's "C"); plain `<` compares UTF-16 code units and puts
 * characters above U+FFFF before U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

// surrogates (U+D800–U+DFFF) encode code points above U+FFFF: rank them after the rest of the BMP
const codePointRank = (unit: number): number =>
  unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800

/** `live` with `changes` applied: what `readLiveState` returns at `changes.state.revision`. */
export function applyLiveStateChanges(live: LiveState, changes: LiveStateChanges): LiveState {
  return { ...changes.state, entries: mergeEntries(live.entries, changes) }
}

/** Merges two lists sorted by ID: kept entries and the changed ones, without the deleted. */
function mergeEntries(held: readonly LiveEntry[], changes: LiveStateChanges): readonly LiveEntry[] {
  const changed = changes.entries
  if (changed.length === 0 && changes.deletedEntryIds.length === 0) return held
  const gone = new Set(changes.deletedEntryIds)
  for (const e of changed) gone.add(e.id)
  const out: LiveEntry[] = []
  let j = 0
  for (const e of held) {
    if (gone.has(e.id)) continue
    while (j < changed.length && compareCodePoints((changed[j] as LiveEntry).id, e.id) < 0)
      out.push(changed[j++] as LiveEntry)
    out.push(e)
  }
  while (j < changed.length) out.push(changed[j++] as LiveEntry)
  return out
}

/**
 * `fetchStats` of a live state already read: managed entries are those whose ID lies in the store's
 * range [prefix, prefix + U+FFFF) in code point order, as the stores count them.
 */
export function liveStats(live: LiveState, entryIdPrefix: string): StoreStats {
  const end = entryIdPrefix + '\uffff'
  let managed = 0
  for (const e of live.entries) {
    if (compareCodePoints(e.id, entryIdPrefix) >= 0 && compareCodePoints(e.id, end) < 0) managed++
  }
  return {
    lineage: live.lineage,
    revision: live.revision,
    trustDomain: live.trustDomain,
    managedEntries: managed,
    unmanagedEntries: live.entries.length - managed,
  }
}

/** What `LiveStateCache.read` found. */
export interface CachedLiveState {
  readonly live: LiveState
  /** How `live` differs from `from`, the state the previous read returned; undefined after a full read. */
  readonly delta?: { readonly from: LiveState; readonly changes: LiveStateChanges }
}

/** One reader's live state, kept between reads (SHELL: it reads the store). */
export class LiveStateCache {
  private held: LiveState | undefined

  constructor(private readonly store: Pick<RegistrationStore, 'readLiveState' | 'readLiveStateChanges'>) {}

  /** The live state at the store's current revision. */
  async read(): Promise<CachedLiveState> {
    const held = this.held
    const changes =
      held && (await this.store.readLiveStateChanges({ lineage: held.lineage, revision: held.revision }))
    const result =
      held && changes
        ? { live: applyLiveStateChanges(held, changes), delta: { from: held, changes } }
        : undefined
    const live = result?.live ?? (await this.store.readLiveState())
    this.held = live
    return result ?? { live }
  }

  /** Drops the held state: the next read is a full one. */
  forget(): void {
    this.held = undefined
  }
}
