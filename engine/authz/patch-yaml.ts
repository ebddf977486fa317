/**
 * Applies grant removals to repository YAML (PURE): the `Role.spec.scopes` and `Entry.spec.roles`
 * items are found through the `yaml` Document API and cut out of the original text by their source
 * ranges, so comments, quoting, flow style and every other line stay byte for byte.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, type YAMLSeq } from 'yaml'
import type { GrantRemoval } from './unused.js'

export interface PatchedFile {
  readonly path: string
  readonly text: string
  /** One line per removed item: `<path>: Role orders-client: removed scope write:orders`. */
  readonly changes: readonly string[]
}

type Doc = ReturnType<typeof parseAllDocuments>[number]
interface Cut {
  readonly start: number
  readonly end: number
  readonly insert: string
}

function seqOf(doc: Doc, key: string): YAMLSeq | undefined {
  const spec = doc.get('spec', true)
  if (!isMap(spec)) return undefined
  const seq = spec.get(key, true)
  return isSeq(seq) ? seq : undefined
}

/** The text cuts that remove the items of `seq` whose value is in `values`. */
function cutsFor(text: string, seq: YAMLSeq, values: ReadonlySet<string>): Cut[] {
  const items = seq.items.map((item) => ({
    remove: isScalar(item) && typeof item.value === 'string' && values.has(item.value),
    start: (item as { range?: [number, number, number] }).range?.[0] ?? -1,
    end: (item as { range?: [number, number, number] }).range?.[1] ?? -1,
  }))
  if (items.some((i) => i.start < 0) || !items.some((i) => i.remove)) return []
  const first = items[0] as (typeof items)[number]
  const last = items[items.length - 1] as (typeof items)[number]
  if (seq.flow) {
    if (items.every((i) => i.remove)) return [{ start: first.start, end: last.end, insert: '' }]
    const cuts: Cut[] = []
    let keptBefore = false
    items.forEach((item, i) => {
      if (!item.remove) return void (keptBefore = true)
      // after a kept item: cut ", b" (from the previous item's end); leading items: cut "a, "
      if (keptBefore) cuts.push({ start: (items[i - 1] as typeof item).end, end: item.end, insert: '' })
      else cuts.push({ start: item.start, end: (items[i + 1] as typeof item).start, insert: '' })
    })
    return cuts
  }
  // block sequence: cut whole lines ("  - b\n"); an emptied sequence becomes "[]"
  const lineStart = (at: number) => text.lastIndexOf('\n', at - 1) + 1
  const lineEnd = (at: number) => {
    const nl = text.indexOf('\n', at)
    return nl < 0 ? text.length : nl + 1
  }
  if (items.every((i) => i.remove)) {
    const from = lineStart(first.start)
    const indent = /^[ \t]*/.exec(text.slice(from))?.[0] ?? ''
    return [{ start: from, end: lineEnd(last.end), insert: `${indent}[]\n` }]
  }
  return items
    .filter((i) => i.remove)
    .map((i) => ({ start: lineStart(i.start), end: lineEnd(i.end), insert: '' }))
}

/** Edits every file the removals touch; files without a change are not returned. */
export function patchGrantRemovals(
  files: readonly { readonly path: string; readonly text: string }[],
  removals: readonly GrantRemoval[],
): PatchedFile[] {
  const out: PatchedFile[] = []
  for (const file of files) {
    if (!/\.ya?ml$/i.test(file.path)) continue
    let docs: Doc[]
    try {
      docs = parseAllDocuments(file.text) as Doc[]
      if (!Array.isArray(docs)) continue
    } catch {
      continue
    }
    if (docs.some((d) => d.errors.length > 0)) continue
    const changes: string[] = []
    const cuts: Cut[] = []
    for (const doc of docs) {
      const kind = doc.get('kind')
      const name = String(doc.getIn(['metadata', 'name']))
      let seq: YAMLSeq | undefined
      let values: string[] = []
      if (kind === 'Role') {
        seq = seqOf(doc, 'scopes')
        values = removals.flatMap((r) => (r.kind === 'role-scope' && r.role === name ? [r.scope] : []))
      } else if (kind === 'Entry') {
        const spiffeId = doc.getIn(['spec', 'spiffeID'])
        seq = seqOf(doc, 'roles')
        values = removals.flatMap((r) => (r.kind === 'entry-role' && r.spiffeId === spiffeId ? [r.role] : []))
      }
      if (!seq || values.length === 0) continue
      const present = new Set(
        seq.items.flatMap((i) => (isScalar(i) && typeof i.value === 'string' ? [i.value] : [])),
      )
      const found = values.filter((v) => present.has(v))
      if (found.length === 0) continue
      cuts.push(...cutsFor(file.text, seq, new Set(found)))
      for (const v of found)
        changes.push(
          `${file.path}: ${String(kind)} ${name}: removed ${kind === 'Role' ? 'scope' : 'role'} ${v}`,
        )
    }
    if (cuts.length === 0) continue
    let text = file.text
    for (const cut of [...cuts].sort((a, b) => b.start - a.start))
      text = text.slice(0, cut.start) + cut.insert + text.slice(cut.end)
    out.push({ path: file.path, text, changes })
  }
  return out
}
