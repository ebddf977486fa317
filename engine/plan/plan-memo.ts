/**
 * What `makePlan` may keep between plans of one repository (PURE): each desired Entry's and Node's
 * record, its JSON as UTF-8 for the desired digest, and the live entry it matched unchanged. Objects of unchanged files are the same
 * objects from one check to the next (RepositoryChecker), so only changed ones are converted again.
 */
import type { EntryObject, NodeObject } from '../model/types.js'
import type { LiveEntry } from './types.js'
import { entryRecordFromDesired, entryRecordFromNode, type EntryRecord } from './records.js'

export class PlanMemo {
  private readonly records = new WeakMap<
    EntryObject | NodeObject,
    { trustDomain: string; record: EntryRecord }
  >()
  private readonly json = new WeakMap<object, Uint8Array>()
  private readonly matches = new WeakMap<EntryRecord, LiveEntry>()

  /** `entryRecordFromDesired(entry)`, the same record object while `entry` is the same object. */
  entryRecord(entry: EntryObject): EntryRecord {
    return this.recordOf(entry, '', () => entryRecordFromDesired(entry))
  }

  /** `entryRecordFromNode(node, trustDomain)`, kept per node and trust domain. */
  nodeRecord(node: NodeObject, trustDomain: string): EntryRecord {
    return this.recordOf(node, trustDomain, () => entryRecordFromNode(node, trustDomain))
  }

  /** `JSON.stringify(value)` as UTF-8, kept per value object. */
  jsonBytes(value: object): Uint8Array {
    let bytes = this.json.get(value)
    if (!bytes) this.json.set(value, (bytes = Buffer.from(JSON.stringify(value))))
    return bytes
  }

  /** The live entry `record` last matched with no field to change (live entries never change: new rows are new objects). */
  matchedUnchanged(record: EntryRecord): LiveEntry | undefined {
    return this.matches.get(record)
  }

  rememberMatch(record: EntryRecord, live: LiveEntry): void {
    this.matches.set(record, live)
  }

  private recordOf(object: EntryObject | NodeObject, trustDomain: string, make: () => EntryRecord) {
    const held = this.records.get(object)
    if (held && held.trustDomain === trustDomain) return held.record
    const record = make()
    this.records.set(object, { trustDomain, record })
    return record
  }
}
