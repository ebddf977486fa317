import { describe, expect, it } from 'vitest'
import { parseModel } from '../../../../engine/model/parse-model.js'
import type { SourceSnapshot } from '../../../../engine/model/types.js'

const snap = (files: Record<string, string>): SourceSnapshot => ({
  repo: '/repo',
  path: '',
  files: Object.entries(files).map(([path, text]) => ({ path, text })),
})

const SCOPE = (name: string, extra = '') =>
  `apiVersion: sigil/v1\nkind: Scope\nmetadata:\n  name: ${name}\nspec:\n  description: d${extra}\n`

describe('locate', () => {
  const text = `# leading comment
---
${SCOPE('one')}---
apiVersion: sigil/v1
kind: Role
metadata: { name: r }
spec:
  scopes:
    - one
    - two
`
  const model = parseModel(snap({ 'a.yaml': text }))
  const role = model.desired.roles[0]
  if (!role) throw new Error('role not parsed')

  it('gives each document its own span', () => {
    expect(model.desired.scopes[0]?.source.span).toMatchObject({ line: 2, endLine: 8 })
    expect(role.source).toMatchObject({
      documentIndex: 1,
      span: { line: 9, column: 1, endLine: 16, endColumn: 10 },
    })
  })

  it('finds sequence items and mapping values by pointer', () => {
    expect(model.locate(role.source, '/spec/scopes/1')).toEqual({
      file: 'a.yaml',
      line: 16,
      column: 7,
      endLine: 16,
      endColumn: 10,
    })
    expect(model.locate(role.source, '/metadata/name')).toMatchObject({ line: 12, column: 19, endColumn: 20 })
  })

  it('falls back to the nearest existing parent, then to the document', () => {
    expect(model.locate(role.source, '/spec/scopes/9')).toMatchObject({ line: 15, column: 5, endLine: 16 })
    expect(model.locate(role.source, '/nope/deeper')).toMatchObject({ line: 10, endLine: 16 })
  })

  it('points at a key for unknown fields and at the parent key for missing ones', () => {
    const bad = parseModel(snap({ 'b.yaml': SCOPE('x').replace('  description: d', '  descripton: d') }))
    expect(
      bad.diagnostics.map((d) => [d.code, d.span?.line, d.span?.column, d.span?.endColumn, d.hint]),
    ).toEqual([
      ['ERR_SCHEMA_REQUIRED', 5, 1, 5, undefined],
      ['ERR_SCHEMA_UNKNOWN_FIELD', 6, 3, 13, 'did you mean "description"?'],
    ])
  })

  it('resolves aliases when walking', () => {
    const withAlias = parseModel(
      snap({
        'c.yaml': `apiVersion: sigil/v1\nkind: Scope\nmetadata: &m { name: s }\nspec: { description: 1 }\n`,
      }),
    )
    expect(withAlias.diagnostics).toMatchObject([{ code: 'ERR_SCHEMA_TYPE', span: { line: 4, column: 22 } }])
  })

  it('returns the parsed span for objects from files it does not hold', () => {
    const foreign = { ...role.source, file: 'policies/builtin.yaml' }
    expect(model.locate(foreign, '/spec')).toBe(foreign.span)
  })
})

describe('parseModel across files', () => {
  it('reports a YAML syntax error with its position and still checks every other file', () => {
    const model = parseModel(
      snap({
        'a.yaml': 'apiVersion: sigil/v1\nkind: Scope\nmetadata: { name: broken\n',
        'b.yaml': SCOPE('fine', '\n  extra: 1'),
      }),
    )
    expect(model.diagnostics.map((d) => [d.code, d.span?.file, d.span?.line])).toEqual([
      ['ERR_MODEL_YAML_SYNTAX', 'a.yaml', 4],
      ['ERR_SCHEMA_UNKNOWN_FIELD', 'b.yaml', 7],
    ])
  })

  it('keeps the good documents of a file with a broken one', () => {
    const model = parseModel(snap({ 'a.yaml': `${SCOPE('ok')}---\nkey: [unclosed\n---\n${SCOPE('after')}` }))
    expect(model.diagnostics.map((d) => d.code)).toEqual(['ERR_MODEL_YAML_SYNTAX'])
    expect(model.desired.scopes.map((s) => [s.metadata.name, s.source.documentIndex])).toEqual([
      ['after', 2],
      ['ok', 0],
    ])
  })

  it('treats duplicate keys as syntax errors and merge keys as unsupported on every path', () => {
    const dup = parseModel(snap({ 'd.yaml': SCOPE('d').replace('kind: Scope', 'kind: Scope\nkind: Scope') }))
    expect(dup.diagnostics.map((d) => [d.code, d.span?.line])).toEqual([['ERR_MODEL_YAML_SYNTAX', 3]])
    // the anchor sends this file down the js-yaml path, the merge key then fails the schema
    const merge = parseModel(
      snap({
        'm.yaml': `${SCOPE('m').replace('spec:\n  description: d', 'spec:\n  <<: &x { description: d }')}`,
      }),
    )
    expect(merge.diagnostics.map((d) => d.code)).toEqual(['ERR_SCHEMA_REQUIRED', 'ERR_MODEL_YAML_MERGE_KEY'])
  })

  it('skips empty documents without shifting document indexes', () => {
    const model = parseModel(snap({ 'e.yaml': `---\n# nothing\n---\n${SCOPE('third')}` }))
    expect(model.diagnostics).toEqual([])
    expect(model.desired.scopes[0]?.source.documentIndex).toBe(1)
  })

  it('rejects a second TrustDomain and a duplicate name, keeping the first in file order', () => {
    const td = (name: string) => `apiVersion: sigil/v1\nkind: TrustDomain\nmetadata: { name: ${name} }\n`
    const model = parseModel(
      snap({ 'a.yaml': td('a.org'), 'b.yaml': `${td('b.org')}---\n${SCOPE('s')}---\n${SCOPE('s')}` }),
    )
    expect(model.desired.trustDomain?.metadata.name).toBe('a.org')
    expect(model.diagnostics.map((d) => [d.code, d.object])).toEqual([
      ['ERR_MODEL_DUPLICATE_NAME', 'Scope/s'],
      ['ERR_MODEL_TRUST_DOMAIN_DUPLICATE', 'TrustDomain/a.org'],
      ['ERR_MODEL_TRUST_DOMAIN_DUPLICATE', 'TrustDomain/b.org'],
    ])
  })
})
