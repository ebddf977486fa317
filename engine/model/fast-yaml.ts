/**
 * A fast loader for the plain YAML that identity repositories are made of: block mappings and
 * sequences, one-line flow collections of scalars, plain and simple quoted scalars, comments, `---`.
 * It resolves scalars exactly like the YAML 1.2 core schema (js-yaml's CORE_SCHEMA) and returns
 * `undefined` for anything outside that subset (anchors, tags, block scalars, escapes, multi-line
 * scalars, CRLF, tabs, duplicate keys, …) so the caller falls back to js-yaml for the whole file. A
 * differential test against js-yaml keeps the two in agreement. ~10× faster than js-yaml v5.
 */
import type { Segment } from './load-yaml.js'

/** What the fast path produced: one value per document and where each document lies. */
export interface FastLoad {
  readonly values: unknown[]
  readonly segments: Segment[]
}

class Bail extends Error {}
const BAIL = new Bail()
function bail(): never {
  throw BAIL
}

const KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/
const RESERVED_KEYS = new Set([
  'null',
  'Null',
  'NULL',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  '__proto__',
])
const SIMPLE_INT = /^(?:0|[1-9][0-9]{0,14})$/
const CORE_NUMBER =
  /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/
// first characters that are YAML indicators, or that we leave to js-yaml (-, +, ., digits handled below)
const BAD_FIRST = new Set([...'-?:,[]{}#&*!|>\'"%@`+.'])
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/
// characters js-yaml rejects or treats specially anywhere in a file: leave such files to it
// eslint-disable-next-line no-control-regex
const UNUSUAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/

/** Resolves a plain scalar per the YAML 1.2 core schema, or bails on forms it leaves to js-yaml. */
function plain(text: string, flow: boolean): unknown {
  if (text === '') return null
  if (BAD_FIRST.has(text[0] as string) || CONTROL.test(text) || text.endsWith(':')) bail()
  if (text.includes(': ') || text.includes(' #') || /[[\]{}]/.test(text) || (flow && text.includes(',')))
    bail()
  switch (text) {
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null
    case 'true':
    case 'True':
    case 'TRUE':
      return true
    case 'false':
    case 'False':
    case 'FALSE':
      return false
  }
  if (SIMPLE_INT.test(text)) return Number(text)
  if (CORE_NUMBER.test(text)) bail()
  return text
}

/** A quoted scalar starting at `s[0]`; returns the value and the index after the closing quote. */
function quoted(s: string, from: number): [string, number] {
  const q = s[from] as string
  const end = s.indexOf(q, from + 1)
  if (end === -1) bail()
  const body = s.slice(from + 1, end)
  if ((q === '"' && body.includes('\\')) || CONTROL.test(body)) bail()
  if (q === "'" && s[end + 1] === "'") bail()
  return [body, end + 1]
}

/** Rest of a line after a value must be empty or a comment. */
function expectEnd(s: string, from: number): void {
  const rest = s.slice(from)
  if (rest.trim() !== '' && !/^\s+#/.test(rest)) bail()
}

/** Strips a trailing ` # comment` from a plain scalar line remainder. */
function stripComment(s: string): string {
  const hash = s.indexOf(' #')
  return (hash === -1 ? s : s.slice(0, hash)).trimEnd()
}

/** A one-line flow sequence or mapping of scalars starting at `s[from]`; nested collections bail. */
function flow(s: string, from: number): unknown {
  const isSeq = s[from] === '['
  const close = isSeq ? ']' : '}'
  const seq: unknown[] = []
  const map: Record<string, unknown> = {}
  let i = from + 1
  const skip = () => {
    while (s[i] === ' ') i++
  }
  skip()
  if (s[i] === close) {
    expectEnd(s, i + 1)
    return isSeq ? seq : map
  }
  for (;;) {
    skip()
    let key: string | undefined
    if (!isSeq) {
      const colon = s.indexOf(':', i)
      if (colon === -1 || s[colon + 1] !== ' ') bail()
      key = s.slice(i, colon)
      if (!KEY.test(key) || RESERVED_KEYS.has(key) || Object.hasOwn(map, key)) bail()
      i = colon + 1
      skip()
    }
    let value: unknown
    const c = s[i]
    if (c === '"' || c === "'") {
      ;[value, i] = quoted(s, i)
      skip()
    } else {
      let stop = i
      for (let c2 = s[stop]; c2 !== ',' && c2 !== ']' && c2 !== '}'; c2 = s[++stop])
        if (c2 === undefined) bail()
      const text = s.slice(i, stop).trim()
      if (text === '' || text.includes('#')) bail()
      value = plain(text, true)
      i = stop
    }
    if (key === undefined) seq.push(value)
    else map[key] = value
    if (s[i] === ',') {
      i++
      skip()
      if (s[i] === close) bail()
      continue
    }
    if (s[i] !== close) bail()
    expectEnd(s, i + 1)
    return isSeq ? seq : map
  }
}

/** An inline value after `key: ` or `- `. */
function inline(s: string): unknown {
  const c = s[0]
  if (c === '"' || c === "'") {
    const [v, next] = quoted(s, 0)
    expectEnd(s, next)
    return v
  }
  if (c === '[' || c === '{') return flow(s, 0)
  return plain(stripComment(s), false)
}

interface Line {
  readonly indent: number
  readonly text: string
}

class Parser {
  i = 0
  constructor(private readonly lines: readonly Line[]) {}

  block(indent: number): unknown {
    const line = this.lines[this.i] as Line
    return line.text.startsWith('- ') || line.text === '-' ? this.sequence(indent) : this.mapping(indent)
  }

  sequence(indent: number): unknown[] {
    const out: unknown[] = []
    for (let line = this.lines[this.i]; line && line.indent === indent; line = this.lines[this.i]) {
      if (!line.text.startsWith('- ')) break
      const rest = line.text.slice(2).trimStart()
      if (rest === '' || /^[^\s"'[{]*:(\s|$)/.test(rest)) bail()
      out.push(inline(rest))
      this.i++
    }
    const next = this.lines[this.i]
    if (next && next.indent > indent) bail()
    return out
  }

  mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (let line = this.lines[this.i]; line && line.indent === indent; line = this.lines[this.i]) {
      const colon = line.text.indexOf(':')
      if (colon <= 0) bail()
      const key = line.text.slice(0, colon)
      const after = line.text.slice(colon + 1)
      if (!KEY.test(key) || RESERVED_KEYS.has(key) || Object.hasOwn(out, key)) bail()
      if (after !== '' && !after.startsWith(' ')) bail()
      this.i++
      const rest = after.trim()
      if (rest !== '' && !rest.startsWith('#')) {
        out[key] = inline(rest)
        continue
      }
      const next = this.lines[this.i]
      if (next && next.indent > indent) out[key] = this.block(next.indent)
      else if (next && next.indent === indent && next.text.startsWith('- ')) out[key] = this.sequence(indent)
      else out[key] = null
    }
    const next = this.lines[this.i]
    if (next && next.indent > indent) bail()
    return out
  }
}

/** Loads every document of `text` if it is within the subset; `undefined` means "use js-yaml". */
export function fastLoadAll(text: string): FastLoad | undefined {
  if (UNUSUAL.test(text)) return undefined
  const values: unknown[] = []
  const segments: Segment[] = []
  let doc: Line[] = []
  let start = -1
  let end = 0
  let explicit = false
  // 1-based line numbers, counted as we go so document spans need no line index
  let lineNo = 0
  let firstLine = 0
  let lastLine = 0
  let lastLength = 0
  const finish = () => {
    if (!explicit && doc.length === 0) return
    if (doc.length === 0) values.push(null)
    else {
      const parser = new Parser(doc)
      if ((doc[0] as Line).indent !== 0) bail()
      values.push(parser.block(0))
      if (parser.i !== doc.length) bail()
    }
    segments.push({
      start,
      end,
      span: { line: firstLine, endLine: lastLine, endColumn: Math.max(2, lastLength + 1) },
    })
  }
  try {
    let offset = 0
    while (offset <= text.length) {
      const nl = text.indexOf('\n', offset)
      const stop = nl === -1 ? text.length : nl
      const raw = text.slice(offset, stop)
      lineNo++
      if (raw.startsWith('---')) {
        if (raw.slice(3).trim() !== '') bail()
        finish()
        doc = []
        start = offset
        end = stop
        explicit = true
        firstLine = lastLine = lineNo
        lastLength = raw.trimEnd().length
      } else if (raw.startsWith('...') || raw.startsWith('%')) bail()
      else {
        const trimmed = raw.trimStart()
        if (trimmed !== '' && !trimmed.startsWith('#')) {
          if (start === -1) {
            start = offset
            firstLine = lineNo
          }
          const content = trimmed.trimEnd()
          doc.push({ indent: raw.length - trimmed.length, text: content })
          end = stop
          lastLine = lineNo
          lastLength = raw.length - trimmed.length + content.length
        }
      }
      if (nl === -1) break
      offset = nl + 1
    }
    finish()
  } catch (err) {
    if (err === BAIL) return undefined
    throw err
  }
  return { values, segments }
}
