/**
 * Policy unit tests kept in the repository as `*.test.yaml` files (`kind: PolicyTest`): parsing into
 * cases with spans. Malformed files are diagnostics (ERR_POLICY_TEST_INVALID), never exceptions.
 */
import { isMap, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml'
import type { Diagnostic, SourceSpan } from '../core/diagnostics.js'
import type { SourceFile } from '../model/types.js'

/** What a case expects: the exact set of finding ids, and/or an authorization decision. */
export interface PolicyTestExpectation {
  /** Sorted, unique `rule ?? code` of every diagnostic about the case's object; `[]` = clean. */
  readonly findings?: readonly string[]
  readonly decision?: 'allow' | 'deny'
  /** With `decision: allow`: the exact roles that grant the scope (sorted). */
  readonly grantedBy?: readonly string[]
}

/** One test case. `object` is added to (or replaces its namesake in) the repository for this case only. */
export interface PolicyTestCase {
  readonly name: string
  readonly object?: Readonly<Record<string, unknown>>
  readonly spiffeID?: string
  readonly scope?: string
  readonly expect: PolicyTestExpectation
  readonly span: SourceSpan
}

/** One `kind: PolicyTest` document. */
export interface PolicyTestSuite {
  readonly file: string
  readonly name: string
  readonly cases: readonly PolicyTestCase[]
}

export const POLICY_TEST_INVALID = 'ERR_POLICY_TEST_INVALID'

type Raw = Record<string, unknown>
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string')
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** True for the file names `sigil policy test` reads (and `sigil lint` skips). */
export function isPolicyTestFile(path: string): boolean {
  return /\.test\.ya?ml$/.test(path)
}

/** Parses every PolicyTest document of `files`; problems are diagnostics with spans. */
export function parsePolicyTests(files: readonly SourceFile[]): {
  suites: PolicyTestSuite[]
  diagnostics: Diagnostic[]
} {
  const suites: PolicyTestSuite[] = []
  const diagnostics: Diagnostic[] = []
  for (const file of files) {
    const lines = new LineCounter()
    const docs = parseAllDocuments(file.text, { lineCounter: lines, uniqueKeys: true })
    const spanOf = (node: YamlNode | null | undefined, fallback = 0): SourceSpan => {
      const [start, end] = node?.range ?? [fallback, fallback + 1]
      const a = lines.linePos(start)
      const b = lines.linePos(end)
      return { file: file.path, line: a.line, column: a.col, endLine: b.line, endColumn: b.col }
    }
    const problem = (message: string, node?: YamlNode | null, path = ''): void => {
      diagnostics.push({ code: POLICY_TEST_INVALID, severity: 'error', message, path, span: spanOf(node) })
    }
    if (!Array.isArray(docs)) {
      problem('not a YAML stream')
      continue
    }
    for (const doc of docs) {
      for (const err of doc.errors) {
        const span = spanOf({ range: [err.pos[0], err.pos[1], err.pos[1]] } as YamlNode)
        const message = `yaml: ${err.message.split('\n')[0] ?? ''}`
        diagnostics.push({ code: POLICY_TEST_INVALID, severity: 'error', message, path: '', span })
      }
      if (doc.errors.length > 0 || doc.contents === null) continue
      const suite = parseSuite(
        file.path,
        doc.toJS() as unknown,
        (pointer) => nodeAt(doc.contents, pointer),
        spanOf,
        problem,
      )
      if (suite) suites.push(suite)
    }
  }
  return { suites, diagnostics }
}

function parseSuite(
  file: string,
  value: unknown,
  nodeAt: (pointer: string[]) => YamlNode | null,
  spanOf: (node: YamlNode | null) => SourceSpan,
  problem: (message: string, node?: YamlNode | null, path?: string) => void,
): PolicyTestSuite | undefined {
  if (!isRecord(value) || value['apiVersion'] !== 'sigil/v1' || value['kind'] !== 'PolicyTest') {
    problem('a policy test file holds documents with apiVersion: sigil/v1 and kind: PolicyTest', nodeAt([]))
    return undefined
  }
  const meta = value['metadata']
  const name = isRecord(meta) && typeof meta['name'] === 'string' ? meta['name'] : ''
  if (name === '') problem('metadata.name is required', nodeAt(['metadata']), '/metadata/name')
  const spec = value['spec']
  const cases = isRecord(spec) ? spec['cases'] : undefined
  if (!Array.isArray(cases) || cases.length === 0) {
    problem('spec.cases must be a non-empty list', nodeAt(['spec']), '/spec/cases')
    return undefined
  }
  const parsed: PolicyTestCase[] = []
  cases.forEach((c: unknown, i) => {
    const at = (...rest: string[]) => nodeAt(['spec', 'cases', String(i), ...rest])
    const report = (message: string, ...rest: string[]) =>
      problem(`case ${i + 1}: ${message}`, at(...rest), ['/spec/cases', i, ...rest].join('/'))
    const testCase = parseCase(c, report, spanOf(at()))
    if (testCase) parsed.push(testCase)
  })
  return name === '' ? undefined : { file, name, cases: parsed }
}

const CASE_KEYS = new Set(['name', 'object', 'spiffeID', 'scope', 'expect'])

function parseCase(
  c: unknown,
  report: (message: string, ...at: string[]) => void,
  span: SourceSpan,
): PolicyTestCase | undefined {
  if (!isRecord(c)) return void report('a case is a mapping')
  const unknown = Object.keys(c).filter((k) => !CASE_KEYS.has(k))
  if (unknown.length > 0) return void report(`unknown field ${unknown[0]}`, unknown[0] ?? '')
  const name = c['name']
  if (typeof name !== 'string' || name === '') return void report('name is required', 'name')
  const expect = c['expect']
  if (!isRecord(expect)) return void report('expect is required: findings and/or decision', 'expect')
  const { findings, decision, grantedBy } = expect
  if (findings !== undefined && !isStringList(findings))
    return void report('expect.findings is a list of rule ids', 'expect')
  if (decision !== undefined && decision !== 'allow' && decision !== 'deny') {
    return void report('expect.decision is allow or deny', 'expect')
  }
  if (grantedBy !== undefined && (!isStringList(grantedBy) || decision !== 'allow')) {
    return void report('expect.grantedBy is a list of role names, with decision: allow', 'expect')
  }
  if (findings === undefined && decision === undefined)
    return void report('expect needs findings or decision', 'expect')
  const object = c['object']
  if (findings !== undefined && !isRecord(object))
    return void report('expect.findings needs an object document', 'object')
  const { spiffeID, scope } = c
  if (decision !== undefined && (typeof spiffeID !== 'string' || typeof scope !== 'string')) {
    return void report('expect.decision needs spiffeID and scope', 'expect')
  }
  return {
    name,
    ...(isRecord(object) ? { object } : {}),
    ...(typeof spiffeID === 'string' ? { spiffeID } : {}),
    ...(typeof scope === 'string' ? { scope } : {}),
    expect: {
      ...(findings ? { findings: [...new Set(findings)].sort(cmp) } : {}),
      ...(decision ? { decision } : {}),
      ...(grantedBy ? { grantedBy: [...grantedBy].sort(cmp) } : {}),
    },
    span,
  }
}

/** The node at `pointer`, or its nearest existing ancestor. */
function nodeAt(root: unknown, pointer: string[]): YamlNode | null {
  let node = root as YamlNode | null
  for (const key of pointer) {
    let next: unknown
    if (isMap(node)) next = node.get(key, true)
    else if (isSeq(node)) next = node.get(Number(key), true)
    if (!next || typeof next !== 'object') return node
    node = next as YamlNode
  }
  return node
}
