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
// characters js-yaml rejects or treats specially anywhere in a file: leave such files to it
// eslint-disable-next-line no-control-regex
const UNUSUAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/

// a YAML line's whitespace is spaces only here (tabs send the file to js-yaml); never String#trim,
// which would also strip Unicode spaces that YAML treats as content
function trimSpaces(s: string): string {
  let a = 0
  let b = s.length
  while (a < b && s.charCodeAt(a) === 32) a++
  while (b > a && s.charCodeAt(b - 1) === 32) b--
  return a === 0 && b === s.length ? s : s.slice(a, b)
}

const validKeys = new Set<string>()
function checkKey(key: string, seen: Record<string, unknown>): void {
  if (!validKeys.has(key)) {
    if (!KEY.test(key) || RESERVED_KEYS.has(key)) bail()
    if (validKeys.size < 10_000) validKeys.add(key)
  }
  // values are never undefined; inherited names such as "toString" merely bail to js-yaml
  if (seen[key] !== undefined) bail()
}

/** Resolves a plain scalar per the YAML 1.2 core schema, or bails on forms it leaves to js-yaml. */
function plain(text: string): unknown {
  if (text === '') return null
  const c0 = text.charCodeAt(0)
  if (BAD_FIRST.has(text[0] as string)) bail()
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    // ": " or a final ":" would start a mapping, " #" a comment, brackets a flow collection
    if (c === 58) {
      const next = text.charCodeAt(i + 1)
      if (next === 32 || i + 1 === text.length) bail()
    } else if ((c === 35 && text.charCodeAt(i - 1) === 32) || c === 91 || c === 93 || c === 123 || c === 125)
      bail()
  }
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
  if (c0 >= 48 && c0 <= 57) {
    if (SIMPLE_INT.test(text)) return Number(text)
    if (CORE_NUMBER.test(text)) bail()
  }
  return text
}

/** A quoted scalar starting at `s[from]`; returns the value and the index after the closing quote. */
function quoted(s: string, from: number): [string, number] {
  const q = s[from] as string
  const end = s.indexOf(q, from + 1)
  if (end === -1) bail()
  const body = s.slice(from + 1, end)
  if (q === '"' && body.includes('\\')) bail()
  if (q === "'" && s[end + 1] === "'") bail()
  return [body, end + 1]
}

/** What follows a value on its line must be nothing, or spaces and a comment. */
function expectEnd(s: string, from: number): void {
  let i = from
  while (s.charCodeAt(i) === 32) i++
  if (i < s.length && !(i > from && s[i] === '#')) bail()
}

/** Strips a trailing ` # comment` from the rest of a line holding a plain scalar. */
function stripComment(s: string): string {
  const hash = s.indexOf(' #')
  return trimSpaces(hash === -1 ? s : s.slice(0, hash))
}

/** A one-line flow sequence or mapping of scalars starting at `s[from]`; nested collections bail. */
function flow(s: string, from: number): unknown {
  const isSeq = s[from] === '['
  const close = isSeq ? ']' : '}'
  const seq: unknown[] = []
  const map: Record<string, unknown> = {}
  let i = from + 1
  const skip = () => {
    while (s.charCodeAt(i) === 32) i++
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
      checkKey(key, map)
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
      for (let c2 = s[stop]; c2 !== ',' && c2 !== ']' && c2 !== '}'; c2 = s[++stop]) {
        if (c2 === undefined || c2 === '#') bail()
      }
      const text = trimSpaces(s.slice(i, stop))
      if (text === '') bail()
      value = plain(text)
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
  return plain(stripComment(s))
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
      const rest = trimSpaces(line.text.slice(2))
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
      checkKey(key, out)
      if (colon + 1 < line.text.length && line.text.charCodeAt(colon + 1) !== 32) bail()
      this.i++
      const rest = trimSpaces(line.text.slice(colon + 1))
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
      lineNo++
      let indent = offset
      while (text.charCodeAt(indent) === 32) indent++
      let last = stop
      while (last > indent && text.charCodeAt(last - 1) === 32) last--
      const c0 = text.charCodeAt(offset)
      if (
        c0 === 45 &&
        text.startsWith('---', offset) &&
        (last === offset + 3 || text.charCodeAt(offset + 3) === 32)
      ) {
        if (last !== offset + 3) bail()
        finish()
        doc = []
        start = offset
        end = stop
        explicit = true
        firstLine = lastLine = lineNo
        lastLength = 3
      } else if (c0 === 37 || (c0 === 46 && text.startsWith('...', offset))) bail()
      else if (last > indent && text.charCodeAt(indent) !== 35) {
        if (start === -1) {
          start = offset
          firstLine = lineNo
        }
        doc.push({ indent: indent - offset, text: text.slice(indent, last) })
        end = stop
        lastLine = lineNo
        lastLength = last - offset
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
