/** Shared wording of the plan renderers: value formatting, field selection and the summary line. */
import { formatDurationMs } from '../core/duration.js'
import type { Change, Plan } from './types.js'

const TTL_FIELDS = new Set([
  'x509SvidTtlSeconds',
  'jwtSvidTtlSeconds',
  'maxX509SvidTtlSeconds',
  'maxJwtSvidTtlSeconds',
])

/**
 * A record value for people: TTLs as durations (`0` as `default`), `expiresAt` 0 as `never`,
 * deletion limits as `10%` or `5`, strings and arrays as JSON, `specJson` as its JSON text.
 */
export function formatValue(field: string, value: unknown): string {
  if (value === undefined) return '(unset)'
  if (TTL_FIELDS.has(field) && typeof value === 'number') {
    return value === 0 ? 'default' : formatDurationMs(value * 1000)
  }
  if (field === 'expiresAt' && value === 0) return 'never'
  if (field === 'maxDeletions' && typeof value === 'object' && value !== null) {
    const limit = value as { kind?: unknown; value?: unknown }
    return limit.kind === 'percent' ? `${String(limit.value)}%` : String(limit.value)
  }
  if (field === 'specJson' && typeof value === 'string') return value
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`
  return JSON.stringify(value) ?? String(value)
}

/** True for values not worth showing on a created object: empty, zero, false. */
export function isEmptyValue(value: unknown): boolean {
  return (
    value === undefined ||
    value === '' ||
    value === 0 ||
    value === false ||
    (Array.isArray(value) && value.length === 0)
  )
}

/** Entry fields that identify an entry: always shown on creates and deletes. */
const KEY_FIELDS = ['spiffeId', 'parentId', 'selectors']

type Shown = [field: string, before: unknown, after: unknown]

/**
 * The `[field, before, after]` triples to show for a change: the changed fields of an update,
 * non-empty fields otherwise. A policy's `specJson` is shown member by member as `spec.<member>`.
 */
export function shownFields(change: Change): Shown[] {
  return change.kind === 'Policy' ? expandPolicySpec(rawShownFields(change)) : rawShownFields(change)
}

function rawShownFields(change: Change): Shown[] {
  const isEntry = change.kind === 'Entry' || change.kind === 'Node'
  if (change.action === 'update') {
    return (change.fields ?? []).map((f) => [f, change.before?.[f], change.after?.[f]])
  }
  const record = change.action === 'create' ? change.after : change.before
  if (record === undefined) return []
  const out: [string, unknown, unknown][] = []
  for (const [field, value] of Object.entries(record)) {
    if (field === 'kind' || field === 'name') continue
    if (change.action === 'delete' && isEntry && !KEY_FIELDS.includes(field)) continue
    if (isEmptyValue(value) && !(isEntry && KEY_FIELDS.includes(field))) continue
    out.push(change.action === 'create' ? [field, undefined, value] : [field, value, undefined])
  }
  return out
}

function parseSpec(json: unknown): Record<string, unknown> | undefined {
  if (typeof json !== 'string') return undefined
  try {
    const v: unknown = JSON.parse(json)
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Replaces a `specJson` triple by one triple per spec member that differs (or is set, for creates and deletes). */
function expandPolicySpec(fields: Shown[]): Shown[] {
  const out: Shown[] = []
  for (const triple of fields) {
    const [field, before, after] = triple
    const was = parseSpec(before)
    const will = parseSpec(after)
    if (field !== 'specJson' || (was === undefined && will === undefined)) {
      out.push(triple)
      continue
    }
    const members = [...new Set([...Object.keys(was ?? {}), ...Object.keys(will ?? {})])].sort()
    for (const m of members) {
      if (m === 'severity') continue // shown as the record's own field
      const a = was?.[m]
      const b = will?.[m]
      if (JSON.stringify(a) !== JSON.stringify(b) && !(isEmptyValue(a) && isEmptyValue(b)))
        out.push([`spec.${m}`, a, b])
    }
  }
  return out
}

/** True when apply will refuse this change without an override: deleting a protected entry. */
export function isProtectedDelete(change: Change): boolean {
  return change.action === 'delete' && change.before?.['protect'] === true
}

/**
 * `kind/name` of objects both deleted and created: an entry or node whose key (SPIFFE ID, parent ID or
 * selectors) changed is replaced, not updated.
 */
export function replacedObjects(changes: readonly Change[]): ReadonlySet<string> {
  const deleted = new Set<string>()
  const replaced = new Set<string>()
  for (const c of changes) if (c.action === 'delete') deleted.add(`${c.kind}/${c.name}`)
  for (const c of changes)
    if (c.action === 'create' && deleted.has(`${c.kind}/${c.name}`)) replaced.add(`${c.kind}/${c.name}`)
  return replaced
}

/** `Plan: 1 to create, 2 to update, 0 to delete, 5 unchanged.` */
export function summaryLine(plan: Plan): string {
  const s = plan.summary
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.`
}

/** Where the plan's base is, for a header line: `store <lineage> at revision 7` or `git ref origin/main`. */
export function describeBase(plan: Plan): string {
  const b = plan.base
  if (b.kind === 'git') return `git ${b.ref ?? 'base'}`
  return b.lineage === '' ? `store at revision ${b.revision}` : `store ${b.lineage} at revision ${b.revision}`
}

/** Appends `lines` to `out` without spreading them into arguments (safe for any length). */
export function append(out: string[], lines: readonly string[]): void {
  for (const line of lines) out.push(line)
}

/** `1 entry` / `2 entries`. */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}
