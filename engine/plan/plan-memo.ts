/**
 * What `makePlan` may keep between plans of one repository (PURE): each desired Entry's and Node's
 * record, its JSON as UTF-8 for the desired digest, and the live entry it last matched unchanged.
 * Objects of unchanged files are the same objects from one check to the next (RepositoryChecker), so
 * only changed ones are converted again.
 */
import type { EntryObject, NodeObject } from '../model/types.js'
import type { DesiredEntry } from './desired-records.js'
import { matchesUnchanged } from './plan-entries.js'
import { entryRecordFromDesired, entryRecordFromNode, type EntryRecord } from './records.js'
import type { Change, LiveEntry } from './types.js'

export class PlanMemo {
  private readonly entries = new WeakMap<
    EntryObject | NodeObject,
    { trustDomain: string; entry: DesiredEntry }
  >()
  private readonly json = new WeakMap<object, Uint8Array>()
  private readonly byRecord = new WeakMap<EntryRecord, DesiredEntry>()

  /** The desired entry of `object` (an Entry, or a Node under `trustDomain`), the same object while `object` is. */
  desiredEntry(object: EntryObject | NodeObject, trustDomain: string): DesiredEntry {
    // an Entry's record does not depend on the trust domain
    const key = object.kind === 'Node' ? trustDomain : ''
    const held = this.entries.get(object)
    if (held && held.trustDomain === key) return held.entry
    const record =
      object.kind === 'Node' ? entryRecordFromNode(object, trustDomain) : entryRecordFromDesired(object)
    const entry: DesiredEntry = { record, span: object.source.span, kept: {} }
    this.entries.set(object, { trustDomain: key, entry })
    this.byRecord.set(record, entry)
    return entry
  }

  /**
   * After `changes` were applied: remembers the row now stored for each created or updated entry,
   * when it is exactly the planned record (checked as a plan checks it), so the next plan need not
   * compare them. `rows`: entries the store reports written by the commit.
   */
  learnApplied(changes: readonly Change[], rows: readonly LiveEntry[]): void {
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (const c of changes) {
      if (c.action === 'delete' || (c.kind !== 'Entry' && c.kind !== 'Node') || c.id === undefined) continue
      const entry = this.byRecord.get(c.after as EntryRecord)
      const row = byId.get(c.id)
      if (entry?.kept && row && matchesUnchanged(row, entry.record)) entry.kept.matched = row
    }
  }

  /** `JSON.stringify(value)` as UTF-8, kept per value object. */
  jsonBytes(value: object): Uint8Array {
    let bytes = this.json.get(value)
    if (!bytes) this.json.set(value, (bytes = Buffer.from(JSON.stringify(value))))
    return bytes
  }
}
