import { describe, expect, it } from 'vitest'
import {
  checkSelector,
  closest,
  parseSelector,
  selectorRole,
  sortSelectors,
} from '../../../../engine/core/selector.js'

describe('selectors', () => {
  it('splits at the first colon only', () => {
    expect(parseSelector('k8s:pod-label:app:web')).toEqual({ type: 'k8s', value: 'pod-label:app:web' })
    expect(parseSelector(':x')).toBeUndefined()
    expect(parseSelector('x:')).toBeUndefined()
    expect(parseSelector('nocolon')).toBeUndefined()
  })

  it.each([
    'unix:uid:0',
    'unix:path:/usr/bin/nginx',
    `unix:sha256:${'a'.repeat(64)}`,
    'k8s:ns:default',
    'k8s:pod-label:app:web',
    'docker:env:VAR=value',
    'k8s_psat:cluster:prod',
    'spiffe_id:spiffe://example.org/spire/agent/join_token/t',
  ])('accepts %s', (selector) => {
    expect(checkSelector(selector)).toBeUndefined()
  })

  it.each([
    ['k8s', 'ERR_MODEL_SELECTOR_SYNTAX', undefined],
    ['k9s:ns:x', 'ERR_MODEL_SELECTOR_UNKNOWN_TYPE', 'did you mean "k8s:ns:x"?'],
    ['k8s:namespace:x', 'ERR_MODEL_SELECTOR_UNKNOWN_KEY', 'did you mean "k8s:ns:x"?'],
    ['k8s:serviceaccount:x', 'ERR_MODEL_SELECTOR_UNKNOWN_KEY', 'did you mean "k8s:sa:x"?'],
    ['unix:uids:1', 'ERR_MODEL_SELECTOR_UNKNOWN_KEY', 'did you mean "unix:uid:1"?'],
    ['unix:uid:root', 'ERR_MODEL_SELECTOR_VALUE', undefined],
    ['unix:path:bin/x', 'ERR_MODEL_SELECTOR_VALUE', undefined],
    ['k8s:pod-label:app', 'ERR_MODEL_SELECTOR_VALUE', undefined],
    ['k8s:ns', 'ERR_MODEL_SELECTOR_VALUE', undefined],
    ['join_token:abc', 'ERR_MODEL_SELECTOR_UNKNOWN_TYPE', undefined],
  ])('rejects %s with %s', (selector, code, hint) => {
    const problem = checkSelector(selector)
    expect(problem?.code).toBe(code)
    expect(problem?.hint).toBe(hint)
  })

  it('knows which attestors run for nodes and which for workloads', () => {
    expect(['unix', 'k8s', 'docker'].map(selectorRole)).toEqual(['workload', 'workload', 'workload'])
    expect(['k8s_psat', 'join_token', 'spiffe_id'].map(selectorRole)).toEqual(['node', 'node', 'node'])
    expect(selectorRole('nope')).toBeUndefined()
  })

  it('sorts and de-duplicates', () => {
    expect(sortSelectors(['k8s:sa:b', 'k8s:ns:a', 'k8s:sa:b'])).toEqual(['k8s:ns:a', 'k8s:sa:b'])
  })

  it('suggests only close candidates', () => {
    expect(closest('Entri', ['Entry', 'Node'])).toBe('Entry')
    expect(closest('completely-different', ['Entry', 'Node'])).toBeUndefined()
  })
})
