import { describe, expect, it } from 'vitest'
import { dnsNameProblem } from '../../../../engine/validate/rules/dns-name.js'
import { bundleProblem } from '../../../../engine/validate/rules/federation.js'
import { suggest } from '../../../../engine/validate/suggest.js'

describe('dns names', () => {
  it.each(['api', 'api.example.org', '*.example.org', 'xn--bcher-kva.example', 'a-b.c1.example', '10.0.0.1'])(
    'accepts %s',
    (name) => expect(dnsNameProblem(name)).toBeUndefined(),
  )
  it.each([
    'api.example.org.',
    '*.org',
    '*',
    'a.*.example',
    '*a.example.org',
    '-a.example',
    'a-.example',
    'ab--c.example',
    'bücher.example',
    'under_score.example',
    'a..b',
    '',
    `${'a'.repeat(64)}.example`,
    `${'a.'.repeat(127)}ab`,
  ])('rejects %j', (name) => expect(dnsNameProblem(name)).toBeTypeOf('string'))
})

describe('pinned bundles', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
  it.each(['{"keys": []}', ' {"keys": [{"kty": "EC"}], "spiffe_sequence": 1}', pem, pem + pem])(
    'accepts %j',
    (b) => expect(bundleProblem(b)).toBeUndefined(),
  )
  it.each([
    '{"keys": {}}',
    '{not json',
    '[]',
    'hello',
    `${pem}trailing`,
    '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----',
  ])('rejects %j', (b) => expect(bundleProblem(b)).toBeTypeOf('string'))
})

describe('suggest', () => {
  it('catches edit-distance typos, swapped letters and case', () => {
    expect(suggest('parentId', ['spiffeID', 'parentID'])).toBe('parentID')
    expect(suggest('rolse', ['roles', 'selectors'])).toBe('roles')
    expect(suggest('dnsnames', ['dnsNames'])).toBe('dnsNames')
    expect(suggest('zzz', ['roles'])).toBeUndefined()
  })
})
