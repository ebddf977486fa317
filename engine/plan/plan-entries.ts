/**
 * The entry and node diff: match by natural key, adopt the live ID, never touch unmanaged entries
 * (spire-controller-manager's reconcile, with an explicit ownership prefix).
 */
import type { Diagnostic } from '../core/diagnostics.js'
import { sha256Hex } from '../core/digest.js'
import { EngineError } from '../core/errors.js'
import type { DesiredEntry } from './desired-records.js'
import { entryRecordFromLive, sortedSet, type EntryRecord } from './records.js'
import type { Change, LiveEntry } from './types.js'

/** Length of the key digest prefix in minted entry IDs: 128 bits of SHA-256. */
export const ENTRY_ID_KEY_HEX = 32

/** Diagnostic code for a desired entry whose key is held by an unmanaged live entry. */
export const UNMANAGED_CONFLICT = 'ERR_PLAN_UNMANAGED_CONFLICT'

/** What the entry diff found besides its changes. */
export interface EntryDiff {
  readonly unchanged: number
  readonly unmanaged: number
  readonly conflicts: number
  readonly diagnostics: readonly Diagnostic[]
  /** Entries the store holds after apply (created, kept and unmanaged), for access computation. */
  readonly afterEntries: readonly { readonly spiffeId: string; readonly roles: readonly string[] }[]
}

/** The ID `makePlan` mints for a new entry: the ownership prefix plus 32 hex digits of its key. */
export function mintEntryId(entryIdPrefix: string, key: string): string {
  return entryIdPrefix + key.slice(0, ENTRY_ID_KEY_HEX)
}

/**
 * The plan key of an entry record: `entryKey(spiffeId, parentId, selectors)`, computed without
 * re-sorting selectors that are already sorted (a test pins the two together).
 */
export function recordKey(r: {
  readonly spiffeId: string
  readonly parentId: string
  readonly selectors: readonly string[]
}): string {
  return sha256Hex(JSON.stringify([r.spiffeId, r.parentId, sortedSet(r.selectors)]))
}

/** Positions in the live list, bucketed by SPIFFE ID: matching compares parent and selectors inside a bucket, so no key strings are built. */
export type LiveIndex = ReadonlyMap<string, number | readonly number[]>

export function indexLive(live: readonly LiveEntry[]): LiveIndex {
  const index = new Map<string, number | number[]>()
  for (let i = 0; i < live.length; i++) {
    const id = (live[i] as LiveEntry).spiffeId
    const held = index.get(id)
    if (held === undefined) index.set(id, i)
    else if (typeof held === 'number') index.set(id, [held, i])
    else held.push(i)
  }
  return index
}

function sameKey(e: LiveEntry, r: EntryRecord): boolean {
  return e.parentId === r.parentId && sameStrings(sortedSet(e.selectors), r.selectors)
}

/** Whether `live` is the entry `record` describes, with no field to change. */
export function matchesUnchanged(live: LiveEntry, record: EntryRecord): boolean {
  return (
    live.spiffeId === record.spiffeId &&
    sameKey(live, record) &&
    changedEntryFields(live, record).length === 0
  )
}

interface Found {
  /** Position of the managed live entry to adopt: the lowest ID among managed ones with the key (others are deleted). */
  managed?: number
  unmanaged?: number
}

const NOTHING: Found = Object.freeze({})

/** The live entries with the record's key. */
function findLive(
  bucket: number | readonly number[] | undefined,
  live: readonly LiveEntry[],
  r: EntryRecord,
  prefix: string,
): Found {
  if (bucket === undefined) return NOTHING
  if (typeof bucket === 'number') {
    const e = live[bucket] as LiveEntry
    if (!sameKey(e, r)) return NOTHING
    return e.id.startsWith(prefix) ? { managed: bucket } : { unmanaged: bucket }
  }
  const found: Found = {}
  for (const i of bucket) {
    const e = live[i] as LiveEntry
    if (!sameKey(e, r)) continue
    if (!e.id.startsWith(prefix)) found.unmanaged ??= i
    else if (found.managed === undefined || e.id < (live[found.managed] as LiveEntry).id) found.managed = i
  }
  return found
}

/** Diffs desired entries and nodes against live ones, appending changes to `out`. */
export function planEntries(
  desired: readonly DesiredEntry[],
  live: readonly LiveEntry[],
  prefix: string,
  out: Change[],
  index: LiveIndex = indexLive(live),
): EntryDiff {
  // adopted live entries by position
  const adopted = new Uint8Array(live.length)
  const created = new Set<string>()
  const diagnostics: Diagnostic[] = []
  const afterEntries: { spiffeId: string; roles: readonly string[] }[] = []
  let unchanged = 0
  for (const d of desired) {
    const bucket = index.get(d.record.spiffeId)
    // the same record alone under its SPIFFE ID with the same live entry it matched unchanged before
    const same = d.kept?.matched
    if (
      same !== undefined &&
      typeof bucket === 'number' &&
      live[bucket] === same &&
      same.id.startsWith(prefix)
    ) {
      if (adopted[bucket]) throw duplicateKey(d)
      adopted[bucket] = 1
      afterEntries.push(d.record)
      unchanged++
      continue
    }
    const { managed, unmanaged } = findLive(bucket, live, d.record, prefix)
    if (managed !== undefined) {
      if (adopted[managed]) throw duplicateKey(d)
      adopted[managed] = 1
      afterEntries.push(d.record)
      const held = live[managed] as LiveEntry
      if (!pushUpdate(d, held, out)) {
        unchanged++
        if (d.kept) d.kept.matched = held
      } else if (d.kept) d.kept.planned = held.id
    } else if (unmanaged !== undefined) {
      diagnostics.push(conflictDiagnostic(d, live[unmanaged] as LiveEntry, prefix))
    } else {
      const key = recordKey(d.record)
      if (created.has(key)) throw duplicateKey(d)
      created.add(key)
      afterEntries.push(d.record)
      const id = mintEntryId(prefix, key)
      if (d.kept) d.kept.planned = id
      out.push({ action: 'create', kind: d.record.kind, name: d.record.name, key, id, after: d.record })
    }
  }
  let unmanagedCount = 0
  live.forEach((e, i) => {
    if (!e.id.startsWith(prefix)) {
      unmanagedCount++
      afterEntries.push(e)
    } else if (!adopted[i]) out.push(deleteChange(e))
  })
  return { unchanged, unmanaged: unmanagedCount, conflicts: diagnostics.length, diagnostics, afterEntries }
}

function duplicateKey(d: DesiredEntry): EngineError {
  const { kind, name } = d.record
  return new EngineError(
    'ERR_PLAN_INVALID_INPUT',
    `${kind} ${name} has the same key as another desired entry`,
    {
      data: { kind, name, key: recordKey(d.record) },
    },
  )
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Mutable fields of a live row that differ from a desired record, in sorted order (the order of
 * `ENTRY_MUTABLE_FIELDS` sorted; a test pins it). Field by field, without copying the row: this runs
 * once per matched entry.
 */
export function changedEntryFields(live: LiveEntry, rec: EntryRecord): string[] {
  const out: string[] = []
  if (live.admin !== rec.admin) out.push('admin')
  if (!sameStrings(live.dnsNames, rec.dnsNames)) out.push('dnsNames')
  if (live.downstream !== rec.downstream) out.push('downstream')
  if (live.expiresAt !== rec.expiresAt) out.push('expiresAt')
  if (!sameStrings(sortedSet(live.federatesWith), rec.federatesWith)) out.push('federatesWith')
  if (live.hint !== rec.hint) out.push('hint')
  if (live.jwtSvidTtlSeconds !== rec.jwtSvidTtlSeconds) out.push('jwtSvidTtlSeconds')
  if (live.kind !== rec.kind) out.push('kind')
  if (live.name !== rec.name) out.push('name')
  if (live.protect !== rec.protect) out.push('protect')
  if (!sameStrings(sortedSet(live.roles), rec.roles)) out.push('roles')
  if (live.sourceFile !== rec.sourceFile) out.push('sourceFile')
  if (live.x509SvidTtlSeconds !== rec.x509SvidTtlSeconds) out.push('x509SvidTtlSeconds')
  return out
}

/** Pushes an update when any mutable field differs; returns whether it did. */
function pushUpdate(d: DesiredEntry, held: LiveEntry, out: Change[]): boolean {
  const fields = changedEntryFields(held, d.record)
  if (fields.length === 0) return false
  out.push({
    action: 'update',
    kind: d.record.kind,
    name: d.record.name,
    key: recordKey(d.record),
    id: held.id,
    before: entryRecordFromLive(held),
    after: d.record,
    fields,
  })
  return true
}

function deleteChange(e: LiveEntry): Change {
  return {
    action: 'delete',
    kind: e.kind,
    name: e.name === '' ? e.id : e.name,
    key: recordKey(e),
    id: e.id,
    before: entryRecordFromLive(e),
  }
}

function conflictDiagnostic(d: DesiredEntry, foreign: LiveEntry, prefix: string): Diagnostic {
  const { kind, name } = d.record
  return {
    code: UNMANAGED_CONFLICT,
    severity: 'warning',
    message: `${kind.toLowerCase()} ${name} is not created: unmanaged live entry ${foreign.id} has the same spiffe id, parent id and selectors`,
    path: '',
    span: d.span,
    object: `${kind}/${name}`,
    hint: `to let sigil manage it, delete the unmanaged entry ${foreign.id} or give it an id starting with "${prefix}"`,
  }
}
