import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { evaluatePolicies } from '../../../../engine/policy/index.js'
import { isPolicyTestFile, parsePolicyTests } from '../../../../engine/policy/policy-tests.js'
import { runPolicyTests, type CheckWith } from '../../../../engine/policy/run-policy-tests.js'
import { snapshotWithDocument } from '../../../../engine/policy/snapshot-with-document.js'
import { builtinPolicies } from './builtin.js'
import { desiredFrom, entryDoc, fixedLocate } from './desired.js'

type Doc = Record<string, unknown>
const repo: Doc[] = [
  { kind: 'TrustDomain', metadata: { name: 'example.org' }, spec: {} },
  { kind: 'Scope', metadata: { name: 'read:a' }, spec: {} },
  { kind: 'Role', metadata: { name: 'reader' }, spec: { scopes: ['read:a'] } },
  entryDoc('api', { spiffeID: 'spiffe://example.org/api', selectors: ['unix:uid:1000'], roles: ['reader'] }),
]
const pack = builtinPolicies()
/** The repository with the case object replacing its namesake, checked by the built-in pack only. */
const checkWith: CheckWith = (object) => {
  const key = (d: Doc) => `${String(d['kind'])}/${String((d['metadata'] as Doc)['name'])}`
  const docs = object ? [...repo.filter((d) => key(d) !== key(object)), object] : repo
  const desired = desiredFrom(docs)
  return { desired, diagnostics: evaluatePolicies(desired, { policies: pack, locate: fixedLocate }) }
}

const file = (text: string) => ({ path: 'tests/p.test.yaml', text })
const suite = (cases: string) => `apiVersion: sigil/v1
kind: PolicyTest
metadata: { name: s }
spec:
  cases:
${cases}`

const ADMIN_CASE = `    - name: admin needs a waiver
      object: { apiVersion: sigil/v1, kind: Entry, metadata: { name: x }, spec: { spiffeID: "spiffe://example.org/x", selectors: ["unix:uid:1"], admin: true } }
      expect: { findings: [sigil.admin-needs-waiver] }
`

function run(cases: string) {
  const { suites, diagnostics } = parsePolicyTests([file(suite(cases))])
  expect(diagnostics).toEqual([])
  return runPolicyTests(suites, checkWith)
}

describe('parsePolicyTests', () => {
  it('reads suites and cases with spans', () => {
    const { suites } = parsePolicyTests([file(suite(ADMIN_CASE))])
    expect(suites).toHaveLength(1)
    expect(suites[0]?.cases[0]).toMatchObject({
      name: 'admin needs a waiver',
      expect: { findings: ['sigil.admin-needs-waiver'] },
      span: { file: 'tests/p.test.yaml', line: 6 },
    })
  })

  it.each([
    ['a wrong kind', 'apiVersion: sigil/v1\nkind: Entry\nmetadata: { name: x }\nspec: {}\n'],
    ['no cases', suite('    []\n').replace('  cases:\n    []', '  cases: []')],
    [
      'a case without expect',
      suite('    - name: a\n      spiffeID: spiffe://example.org/a\n      scope: read:a\n'),
    ],
    ['findings without an object', suite('    - name: a\n      expect: { findings: [] }\n')],
    [
      'a decision without a scope',
      suite('    - name: a\n      spiffeID: spiffe://example.org/a\n      expect: { decision: allow }\n'),
    ],
    [
      'a bad decision',
      suite('    - name: a\n      spiffeID: x\n      scope: y\n      expect: { decision: maybe }\n'),
    ],
    ['an unknown case field', suite('    - name: a\n      spifeID: x\n      expect: { decision: allow }\n')],
    ['a YAML syntax error', 'kind: [unclosed\n'],
  ])('reports %s as ERR_POLICY_TEST_INVALID with a span', (_label, text) => {
    const { diagnostics } = parsePolicyTests([file(text)])
    expect(diagnostics.length).toBeGreaterThan(0)
    expect(diagnostics[0]).toMatchObject({
      code: 'ERR_POLICY_TEST_INVALID',
      severity: 'error',
      span: { file: 'tests/p.test.yaml' },
    })
  })

  it('recognises policy test file names', () => {
    expect(['a.test.yaml', 'b/c.test.yml'].map(isPolicyTestFile)).toEqual([true, true])
    expect(['a.yaml', 'test.yaml', 'a.test.json'].map(isPolicyTestFile)).toEqual([false, false, false])
  })
})

describe('runPolicyTests', () => {
  it('passes a case whose findings are exactly the expected ones', () => {
    const [r] = run(ADMIN_CASE)
    expect(r).toMatchObject({
      passed: true,
      problems: [],
      actual: { findings: ['sigil.admin-needs-waiver'] },
    })
  })

  it('fails with missing and unexpected findings', () => {
    const [r] = run(ADMIN_CASE.replace('[sigil.admin-needs-waiver]', '[sigil.root-uid-needs-waiver]'))
    expect(r?.passed).toBe(false)
    expect(r?.problems).toEqual([
      'missing findings: sigil.root-uid-needs-waiver',
      'unexpected findings: sigil.admin-needs-waiver',
    ])
  })

  it('evaluates the case object in the context of the repository (a replaced role is no longer unused)', () => {
    const results = run(`    - name: an unheld role is unused
      object: { apiVersion: sigil/v1, kind: Role, metadata: { name: writer }, spec: { scopes: ["read:a"] } }
      expect: { findings: [sigil.unused-role] }
    - name: the held role is fine
      object: { apiVersion: sigil/v1, kind: Role, metadata: { name: reader }, spec: { scopes: ["read:a"] } }
      expect: { findings: [] }
`)
    expect(results.map((r) => r.passed)).toEqual([true, true])
  })

  it('decides allow and deny from the repository grants, with the granting roles', () => {
    const results = run(`    - name: allowed
      spiffeID: spiffe://example.org/api
      scope: read:a
      expect: { decision: allow, grantedBy: [reader] }
    - name: denied
      spiffeID: spiffe://example.org/api
      scope: write:a
      expect: { decision: deny }
    - name: wrong expectation
      spiffeID: spiffe://example.org/api
      scope: read:a
      expect: { decision: deny }
    - name: wrong granting role
      spiffeID: spiffe://example.org/api
      scope: read:a
      expect: { decision: allow, grantedBy: [writer] }
`)
    expect(results.map((r) => r.passed)).toEqual([true, true, false, false])
    expect(results[2]?.problems).toEqual(['decision: expected deny, got allow (granted by reader)'])
    expect(results[2]?.actual).toEqual({ decision: 'allow', grantedBy: ['reader'] })
  })

  it('decides with the case object added', () => {
    const [r] = run(`    - name: a new entry gets the role's scope
      object: { apiVersion: sigil/v1, kind: Entry, metadata: { name: b }, spec: { spiffeID: "spiffe://example.org/b", selectors: ["unix:uid:2"], roles: [reader] } }
      spiffeID: spiffe://example.org/b
      scope: read:a
      expect: { decision: allow }
`)
    expect(r?.passed).toBe(true)
  })

  it('checks the unchanged repository once for all decision cases', () => {
    let calls = 0
    const counting: CheckWith = (o) => (calls++, checkWith(o))
    const { suites } = parsePolicyTests([
      file(
        suite(
          '    - name: a\n      spiffeID: x\n      scope: y\n      expect: { decision: deny }\n'.repeat(3),
        ),
      ),
    ])
    runPolicyTests(suites, counting)
    expect(calls).toBe(1)
  })
})

describe('snapshotWithDocument', () => {
  const text =
    'apiVersion: sigil/v1\nkind: Scope\nmetadata: { name: a }\n---\napiVersion: sigil/v1\nkind: Scope\nmetadata: { name: b }\n'
  const snapshot = { repo: '/r', path: '', files: [{ path: 'scope.yaml', text }] }
  const desired = desiredFrom(parseAllDocuments(text).map((d) => d.toJS() as Doc))

  it('adds the document as a new file', () => {
    const doc = { apiVersion: 'sigil/v1', kind: 'Scope', metadata: { name: 'c' } }
    const out = snapshotWithDocument(snapshot, desired, doc, 'case.yaml')
    expect(out.files.map((f) => f.path)).toEqual(['scope.yaml', 'case.yaml'])
    expect(out.files[0]?.text).toBe(text)
    expect(parseAllDocuments(out.files[1]?.text ?? '').map((d) => d.toJS())).toEqual([doc])
  })

  it('blanks out a namesake, keeping the other documents and their lines', () => {
    // desiredFrom names the file after the kind (scope.yaml) and indexes documents in order
    const doc = {
      apiVersion: 'sigil/v1',
      kind: 'Scope',
      metadata: { name: 'b' },
      spec: { description: 'new' },
    }
    const out = snapshotWithDocument(snapshot, desired, doc, 'case.yaml')
    const kept = parseAllDocuments(out.files[0]?.text ?? '').map((d) => d.toJS() as Doc | null)
    expect(kept.filter(Boolean).map((d) => (d?.['metadata'] as Doc)['name'])).toEqual(['a'])
    expect(out.files[0]?.text.split('\n').length).toBe(text.split('\n').length)
  })
})
