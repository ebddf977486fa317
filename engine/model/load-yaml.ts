/**
 * YAML loading for the model. A subset loader (fast-yaml.ts) takes plain files, js-yaml the rest (no
 * positions either); when js-yaml rejects a file, `yaml`
 * re-parses that file to report every syntax error with its position while the file's good documents
 * are still checked. Both parsers use the YAML 1.2 core schema, reject duplicate keys and treat `<<`
 * as an ordinary key (the schema then rejects it as a merge key).
 */
import { loadAll } from 'js-yaml'
import { parseAllDocuments } from 'yaml'
import type { Diagnostic } from '../core/diagnostics.js'
import type { SourceFile } from './types.js'
import { fastLoadAll } from './fast-yaml.js'
import { LineIndex } from './line-index.js'

/** One non-empty document of a file: its 0-based index in the file and its plain value. */
export interface LoadedDocument {
  readonly index: number
  readonly value: unknown
}

/** Offsets `[start, end)` of one document in its file, and its span when the loader already knows it. */
export interface Segment {
  readonly start: number
  readonly end: number
  readonly span?: { readonly line: number; readonly endLine: number; readonly endColumn: number }
}

/** A file after loading: documents, where each document lies, and syntax diagnostics. */
export interface LoadedFile {
  readonly lines: LineIndex
  readonly documents: readonly LoadedDocument[]
  /** Indexed by document index (empty documents included). */
  readonly segments: readonly Segment[]
  readonly diagnostics: readonly Diagnostic[]
}

const MARKER = /^(---|\.\.\.)(?:[ \t]|$)/
const BLANK_OR_COMMENT = /^[ \t]*(?:#.*)?\r?$/

/**
 * Splits a file that js-yaml accepted into document ranges by its `---` / `...` marker lines, which
 * YAML forbids inside any scalar, so a line scan finds them exactly. Mirrors how both parsers count
 * documents: an explicit `---` always starts one; comment-only text outside one makes none.
 */
export function scanSegments(text: string): Segment[] {
  const segments: Segment[] = []
  let cur: { start: number; end: number; explicit: boolean; content: boolean } | undefined
  const close = () => {
    if (cur && (cur.explicit || cur.content)) segments.push({ start: cur.start, end: cur.end })
    cur = undefined
  }
  let offset = 0
  while (offset <= text.length) {
    const nl = text.indexOf('\n', offset)
    const end = nl === -1 ? text.length : nl
    const line = text.slice(offset, end)
    const marker = MARKER.exec(line)
    if (marker) {
      close()
      if (marker[1] === '---') cur = { start: offset, end, explicit: true, content: false }
    } else if (!BLANK_OR_COMMENT.test(line) && !(cur === undefined && line.startsWith('%'))) {
      cur ??= { start: offset, end, explicit: false, content: false }
      cur.content = true
      cur.end = end
    }
    if (nl === -1) break
    offset = nl + 1
  }
  close()
  return segments
}

interface YamlJsError {
  readonly reason?: string
  readonly message: string
  readonly mark?: { readonly position: number }
}

function syntax(lines: LineIndex, start: number, end: number, message: string): Diagnostic {
  return {
    code: 'ERR_MODEL_YAML_SYNTAX',
    severity: 'error',
    message: `yaml syntax: ${message}`,
    path: '',
    span: lines.span(start, end),
  }
}

function jsYamlMessage(err: unknown): string {
  const e = err as YamlJsError
  return (e.reason ?? e.message.split('\n')[0] ?? 'invalid yaml').trim()
}

function yamlMessage(message: string): string {
  const first = (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')
  return first.charAt(0).toLowerCase() + first.slice(1)
}

/** Loads every document of one file, collecting syntax errors instead of stopping at the first. */
export function loadYamlFile(file: SourceFile): LoadedFile {
  const lines = new LineIndex(file.path, file.text)
  const fast = fastLoadAll(file.text)
  if (fast) return { lines, documents: nonEmpty(fast.values), segments: fast.segments, diagnostics: [] }
  let values: unknown[]
  try {
    values = loadAll(file.text)
  } catch (err) {
    return loadBrokenFile(lines, err)
  }
  let segments = scanSegments(file.text)
  if (segments.length !== values.length) segments = yamlSegments(file.text)
  return { lines, documents: nonEmpty(values), segments, diagnostics: [] }
}

function nonEmpty(values: readonly unknown[]): LoadedDocument[] {
  const documents: LoadedDocument[] = []
  values.forEach((value, index) => {
    if (value !== null && value !== undefined) documents.push({ index, value })
  })
  return documents
}

function yamlSegments(text: string): Segment[] {
  return Array.from(parseAllDocuments(text), (doc) => ({ start: doc.range[0], end: doc.range[1] }))
}

// `yaml` marks a duplicate key by its first character; underline the whole key instead
function errorEnd(text: string, code: string, [start, end]: [number, number]): number {
  if (code !== 'DUPLICATE_KEY') return end
  const stop = text.slice(start, start + 256).search(/:(?:[ \n]|$)|\n/)
  return stop > 0 ? start + stop : end
}

function loadBrokenFile(lines: LineIndex, original: unknown): LoadedFile {
  const text = lines.text
  const diagnostics: Diagnostic[] = []
  const documents: LoadedDocument[] = []
  const segments: Segment[] = []
  const docs = Array.from(parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, merge: false }))
  docs.forEach((doc, index) => {
    const [start, valueEnd, end] = doc.range
    segments.push({ start, end: valueEnd })
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        diagnostics.push(syntax(lines, e.pos[0], errorEnd(text, e.code, e.pos), yamlMessage(e.message)))
      }
      return
    }
    // the document is fine for `yaml`; js-yaml must agree before its value is used
    try {
      const [value] = loadAll(text.slice(start, end))
      if (value !== null && value !== undefined) documents.push({ index, value })
    } catch (err) {
      const at = start + ((err as YamlJsError).mark?.position ?? 0)
      diagnostics.push(syntax(lines, at, at + 1, jsYamlMessage(err)))
    }
  })
  if (diagnostics.length === 0) {
    const at = (original as YamlJsError).mark?.position ?? 0
    diagnostics.push(syntax(lines, at, at + 1, jsYamlMessage(original)))
    documents.length = 0
  }
  return { lines, documents, segments, diagnostics }
}
