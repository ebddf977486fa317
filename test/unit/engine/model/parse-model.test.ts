import { describe, expect, it } from 'vitest'
import { parseModel } from '../../../../engine/model/parse-model.js'
import type { SourceSnapshot } from '../../../../engine/model/types.js'

const snap = (files: Record<string, string>): SourceSnapshot => ({
  repo: '/repo',
  path: '',
  files: Object.entries(files).map(([path, text]) => ({ path, text })),
})

const TD = `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: example.org }
spec:
  x509SVIDTTL: 2h
  safety: { maxDeletions: 5 }
`

const ENTRY = `apiVersion: sigil/v1
kind: Entry
metadata:
  name: web
  labels: { team: web }
spec:
  spiffeID: spiffe://example.org/web
  parentID: spiffe://example.org/nodes/a
  selectors: ["k8s:ns:web", "k8s:sa:web"]
  roles: [reader]
  x509SVIDTTL: 30m
`

describe('parseModel', () => {
  it('normalises documents with defaults and keeps raw and source', () => {
    const model = parseModel(snap({ 'td.yaml': TD, 'entries.yaml': `# comment\n---\n${ENTRY}` }))
    expect(model.diagnostics).toEqual([])
    const td = model.desired.trustDomain
    expect(td?.spec).toEqual({
      x509SvidTtlSeconds: 7200,
      jwtSvidTtlSeconds: 300,
      maxX509SvidTtlSeconds: 86400,
      maxJwtSvidTtlSeconds: 3600,
      entryIdPrefix: 'sigil.',
      maxDeletions: { kind: 'count', value: 5 },
    })
    const [entry] = model.desired.entries
    expect(entry?.spec).toMatchObject({
      spiffeId: 'spiffe://example.org/web',
      x509SvidTtlSeconds: 1800,
      admin: false,
    })
    expect(entry?.spec.jwtSvidTtlSeconds).toBeUndefined()
    expect(entry?.raw).toMatchObject({ spec: { spiffeID: 'spiffe://example.org/web' } })
    expect(entry?.source).toEqual({
      file: 'entries.yaml',
      documentIndex: 0,
      span: { file: 'entries.yaml', line: 2, column: 1, endLine: 13, endColumn: 19 },
    })
  })

  it('points an unknown field at its key with a did-you-mean', () => {
    const model = parseModel(snap({ 'e.yaml': ENTRY.replace('  roles:', '  rolse:') }))
    expect(model.diagnostics).toEqual([
      expect.objectContaining({
        code: 'ERR_SCHEMA_UNKNOWN_FIELD',
        path: '/spec/rolse',
        object: 'Entry/web',
        hint: 'did you mean "roles"?',
        span: { file: 'e.yaml', line: 10, column: 3, endLine: 10, endColumn: 8 },
      }),
    ])
    expect(model.desired.entries).toEqual([])
  })
})
