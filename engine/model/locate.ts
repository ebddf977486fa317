/**
 * Source spans on demand: the fast loader keeps no positions, so a document is parsed again with
 * `yaml` (which keeps node ranges) only when something points into it, and cached.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml'
import type { SourceSpan } from '../core/diagnostics.js'
import type { LineIndex } from './line-index.js'
import type { Segment } from './load-yaml.js'
import type { ObjectSource } from './types.js'

/** What a span should cover: the node's value, or the key that introduces it. */
export type SpanTarget = 'value' | 'key'

/** The per-file facts the locator needs. */
export interface LocatableFile {
  readonly lines: LineIndex
  readonly segments: readonly Segment[]
}

/** Splits a JSON pointer into unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** Finds spans of nodes by JSON pointer, parsing each document with `yaml` at most once. */
export class SourceLocator {
  private readonly parsed = new Map<string, Document | null>()

  constructor(private readonly files: ReadonlyMap<string, LocatableFile>) {}

  /** The whole document's span (from its `---` marker or first line to its last content). */
  documentSpan(file: string, documentIndex: number): SourceSpan {
    const f = this.fileOf(file)
    const seg = f.segments[documentIndex] ?? { start: 0, end: f.lines.text.length }
    if (seg.span) return { file, column: 1, ...seg.span }
    return f.lines.span(seg.start, seg.end)
  }

  /** The span of the node at `pointer`, or of its nearest existing parent, or of the document. */
  locate(source: ObjectSource, pointer: string, target: SpanTarget = 'value'): SourceSpan {
    // objects from elsewhere (built-in policies) keep the span they were parsed with
    const f = this.files.get(source.file)
    if (!f) return source.span
    const seg = f.segments[source.documentIndex]
    const doc = seg ? this.document(source.file, source.documentIndex, seg) : null
    if (!seg || !doc || !doc.contents) return source.span
    const range = findRange(doc, pointerSegments(pointer), target)
    return range ? f.lines.span(seg.start + range[0], seg.start + range[1]) : source.span
  }

  private fileOf(file: string): LocatableFile {
    const f = this.files.get(file)
    if (!f) throw new TypeError(`locate: unknown file ${file}`)
    return f
  }

  private document(file: string, index: number, seg: Segment): Document | null {
    const key = `${index}\u0000${file}`
    let doc = this.parsed.get(key)
    if (doc === undefined) {
      const text = (this.files.get(file) as LocatableFile).lines.text.slice(seg.start, seg.end)
      doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false })
      this.parsed.set(key, doc)
    }
    return doc
  }
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined
}

function findRange(
  doc: Document,
  segments: readonly string[],
  target: SpanTarget,
): [number, number] | undefined {
  let node: Node | null = doc.contents as Node | null
  let keyNode: Node | undefined
  let last: [number, number] | undefined = rangeOf(node)
  let matched = true
  for (const segment of segments) {
    if (node && isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === segment)
      if (!pair) {
        matched = false
        break
      }
      keyNode = pair.key as Node
      node = (pair.value as Node | null) ?? null
      last = rangeOf(node) ?? rangeOf(keyNode)
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined
      if (!/^\d+$/.test(segment) || !item) {
        matched = false
        break
      }
      keyNode = undefined
      node = item
      last = rangeOf(node)
    } else {
      matched = false
      break
    }
  }
  if (matched && target === 'key' && keyNode) return rangeOf(keyNode)
  return last
}

function rangeOf(node: Node | null | undefined): [number, number] | undefined {
  const r = node?.range
  return r ? [r[0], Math.max(r[1], r[0] + 1)] : undefined
}
