import { describe, expect, it } from 'vitest'
import type { PolicyObject } from '../../../../engine/model/types.js'
import { evaluatePolicies } from '../../../../engine/policy/index.js'
import { desiredFrom, entryDoc, fixedLocate, objectFrom } from './desired.js'

const policy = (name: string, spec: Record<string, unknown>): PolicyObject =>
  objectFrom({
    apiVersion: 'sigil/v1',
    kind: 'Policy',
    metadata: { name },
    spec: { severity: 'error', message: 'no', ...spec },
  }) as PolicyObject

const desired = desiredFrom([
  { kind: 'TrustDomain', metadata: { name: 'example.org' }, spec: {} },
  entryDoc(
    'prod-api',
    { spiffeID: 'spiffe://example.org/production/api', selectors: ['k8s:ns:a'] },
    { labels: { team: 'web', tier: 'front' } },
  ),
  entryDoc(
    'dev-api',
    { spiffeID: 'spiffe://example.org/dev/api', selectors: ['k8s:ns:a'] },
    { labels: { team: 'web' } },
  ),
  {
    kind: 'Node',
    metadata: { name: 'prod-nodes' },
    spec: { spiffeID: 'spiffe://example.org/production/nodes', selectors: ['k8s_psat:cluster:c'] },
  },
  { kind: 'Role', metadata: { name: 'reader' }, spec: { scopes: ['read:a'] } },
])

const run = (...policies: PolicyObject[]) => evaluatePolicies(desired, { policies, locate: fixedLocate })
const objects = (diags: ReturnType<typeof run>) => diags.map((d) => d.object).sort()

describe('evaluatePolicies', () => {
  it('reports each object whose expression is false, with the policy severity, rule, message and span', () => {
    const diags = run(
      policy('two-selectors', {
        severity: 'warning',
        match: { kinds: ['Entry'] },
        expression: 'size(object.spec.selectors) >= 2',
        message: 'needs two selectors',
        path: '/spec/selectors',
      }),
    )
    expect(diags).toHaveLength(2)
    expect(diags[0]).toMatchObject({
      code: 'ERR_POLICY_VIOLATION',
      severity: 'warning',
      rule: 'two-selectors',
      message: 'needs two selectors',
      object: 'Entry/dev-api',
      path: '/spec/selectors',
      span: { file: 'entry.yaml#/spec/selectors' },
    })
  })

  it('passes objects whose expression is true', () => {
    expect(run(policy('ok', { match: { kinds: ['Entry'] }, expression: 'object.kind == "Entry"' }))).toEqual(
      [],
    )
  })

  it('points at the whole document when the policy names no path', () => {
    const [d] = run(policy('p', { match: { kinds: ['Role'] }, expression: 'false' }))
    expect(d).toMatchObject({ path: '', span: { file: 'role.yaml#' }, object: 'Role/reader' })
  })

  it('matches by kinds; no kinds means every kind', () => {
    expect(objects(run(policy('p', { match: { kinds: ['Node', 'Role'] }, expression: 'false' })))).toEqual([
      'Node/prod-nodes',
      'Role/reader',
    ])
    const everything = objects(run(policy('p', { match: {}, expression: 'false' })))
    expect(everything).toEqual([
      'Entry/dev-api',
      'Entry/prod-api',
      'Node/prod-nodes',
      'Role/reader',
      'TrustDomain/example.org',
    ])
  })

  it('matches by spiffeIDPrefix on Entry and Node, skipping kinds without a SPIFFE ID', () => {
    const p = policy('p', {
      match: { kinds: ['Entry', 'Node', 'Role'], spiffeIDPrefix: 'spiffe://example.org/production/' },
      expression: 'false',
    })
    expect(objects(run(p))).toEqual(['Entry/prod-api', 'Node/prod-nodes'])
  })

  it('matches by labels, all of which must be equal', () => {
    expect(objects(run(policy('p', { match: { labels: { team: 'web' } }, expression: 'false' })))).toEqual([
      'Entry/dev-api',
      'Entry/prod-api',
    ])
    expect(
      objects(run(policy('p', { match: { labels: { team: 'web', tier: 'front' } }, expression: 'false' }))),
    ).toEqual(['Entry/prod-api'])
    expect(run(policy('p', { match: { labels: { team: 'ml' } }, expression: 'false' }))).toEqual([])
  })

  it('gives expressions the repository facts', () => {
    const p = policy('p', {
      match: { kinds: ['Entry'] },
      expression:
        'repository.entries[object.metadata.name].x509SVIDTTLSeconds == 3600 && "reader" in repository.roles',
    })
    expect(run(p)).toEqual([])
  })

  it.each([
    ['a syntax error', 'size(object.spec.selectors >= 2'],
    ['a type error', '1 + "a"'],
    ['a non-boolean type', '"yes"'],
    ['an unknown variable', 'input.spec.admin'],
  ])('reports %s as ERR_POLICY_INVALID_EXPRESSION on the Policy document, once', (_label, expression) => {
    const diags = run(policy('broken', { match: { kinds: ['Entry'] }, expression }))
    expect(diags).toHaveLength(1)
    expect(diags[0]).toMatchObject({
      code: 'ERR_POLICY_INVALID_EXPRESSION',
      severity: 'error',
      object: 'Policy/broken',
      path: '/spec/expression',
      span: { file: 'policy.yaml#/spec/expression' },
    })
  })

  it('reports a dynamically non-boolean result as ERR_POLICY_INVALID_EXPRESSION, not a violation', () => {
    const diags = run(policy('dyn', { match: { kinds: ['Entry'] }, expression: 'object.spec.spiffeID' }))
    expect(diags.map((d) => d.code)).toEqual(['ERR_POLICY_INVALID_EXPRESSION'])
  })

  it('reports run-time failures once per policy as ERR_POLICY_EVALUATION_FAILED on the Policy document', () => {
    const diags = run(
      policy('no-has', { match: { kinds: ['Entry'] }, expression: 'object.spec.admin == false' }),
    )
    expect(diags).toHaveLength(1)
    expect(diags[0]).toMatchObject({ code: 'ERR_POLICY_EVALUATION_FAILED', object: 'Policy/no-has' })
    expect(diags[0]?.message).toContain('Entry/dev-api')
  })

  it('keeps evaluating the other policies after a broken one', () => {
    const diags = run(
      policy('broken', { match: { kinds: ['Role'] }, expression: '((' }),
      policy('fine', { match: { kinds: ['Role'] }, expression: 'false' }),
    )
    expect(diags.map((d) => d.code).sort()).toEqual(['ERR_POLICY_INVALID_EXPRESSION', 'ERR_POLICY_VIOLATION'])
  })

  it('falls back to the policy document span when the locator does not know the policy file', () => {
    const throwing = (source: Parameters<typeof fixedLocate>[0], pointer: string) => {
      if (source.file === 'policy.yaml') throw new RangeError('not in this repository')
      return fixedLocate(source, pointer)
    }
    const broken = policy('broken', { match: {}, expression: '((' })
    const [d] = evaluatePolicies(desired, { policies: [broken], locate: throwing })
    expect(d?.span).toEqual(broken.source.span)
  })

  it('supports optional chaining and spiffeIDSegments', () => {
    const p = policy('p', {
      match: { kinds: ['Entry'] },
      expression: '!object.spec.?admin.orValue(false) && spiffeIDSegments(object.spec.spiffeID).size() == 2',
    })
    expect(run(p)).toEqual([])
  })
})
