/**
 * What `makePlan` may keep between plans of one repository (PURE): each desired Entry's and Node's
 * record, its JSON for the desired digest, and the live entry it last matched unchanged.
 * Objects of unchanged files are the same objects from one check to the next (RepositoryChecker), so
 * only changed ones are converted again.
 */
import type { EntryObject, NodeObject } from '../model/types.js'
import type { DesiredEntry } from './desired-records.js'
import { indexLive, matchesUnchanged, type LiveIndex } from './plan-entries.js'
import { entryRecordFromDesired, entryRecordFromNode } from './records.js'
import type { LiveEntry } from './types.js'

export class PlanMemo {
  private readonly entries = new WeakMap<
    EntryObject | NodeObject,
    { trustDomain: string; entry: DesiredEntry }
  >()
  private index: { live: readonly LiveEntry[]; index: LiveIndex } | undefined
  /** The desired entries of the last plan. */
  private planned: readonly DesiredEntry[] = []

  /** The desired entry of `object` (an Entry, or a Node under `trustDomain`), the same object while `object` is. */
  desiredEntry(object: EntryObject | NodeObject, trustDomain: string): DesiredEntry {
    // an Entry's record does not depend on the trust domain
    const key = object.kind === 'Node' ? trustDomain : ''
    const held = this.entries.get(object)
    if (held && held.trustDomain === key) return held.entry
    const record =
      object.kind === 'Node' ? entryRecordFromNode(object, trustDomain) : entryRecordFromDesired(object)
    // every field from the start: one object shape for all
    const kept = { matched: undefined, planned: undefined, json: undefined }
    const entry: DesiredEntry = { record, span: object.source.span, kept }
    this.entries.set(object, { trustDomain: key, entry })
    return entry
  }

  /**
   * `indexLive(live)`; the last one again when `live` differs from the last list only by entries
   * replaced in place under the same SPIFFE ID (an update), which leaves every position as it was.
   */
  liveIndex(live: readonly LiveEntry[]): LiveIndex {
    const last = this.index
    if (last && last.live.length === live.length && sameSpiffeIdsAt(last.live, live)) {
      this.index = { live, index: last.index }
      return last.index
    }
    const index = indexLive(live)
    this.index = { live, index }
    return index
  }

  /** Notes the desired entries a plan was made of (`makePlan` calls this). */
  planning(entries: readonly DesiredEntry[]): void {
    this.planned = entries
  }

  /**
   * After the last plan (or part of it) was applied: remembers the row now stored for each entry it
   * created or updated, when the row is exactly the planned record (checked as a plan checks it), so
   * the next plan need not compare them. `rows`: entries the store reports written since the plan.
   */
  learnApplied(rows: readonly LiveEntry[]): void {
    const byId = new Map<string, LiveEntry>()
    for (const row of rows) byId.set(row.id, row)
    for (const d of this.planned) {
      const kept = d.kept
      if (kept?.planned === undefined) continue
      const row = byId.get(kept.planned)
      kept.planned = undefined
      if (row && matchesUnchanged(row, d.record)) kept.matched = row
    }
  }
}

function sameSpiffeIdsAt(a: readonly LiveEntry[], b: readonly LiveEntry[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as LiveEntry
    const y = b[i] as LiveEntry
    if (x !== y && x.spiffeId !== y.spiffeId) return false
  }
  return true
}
