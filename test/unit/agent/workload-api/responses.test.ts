import { describe, expect, it } from 'vitest'
import { splitDer } from '../../../../agent/workload-api/der.js'
import { parseProcessStartTime } from '../../../../agent/workload-api/peer-credentials.js'
import { fromStruct, jwks, toStruct, withUniqueHints } from '../../../../agent/workload-api/responses.js'
import { certDer, identity } from '../../../fixtures/workload/fixtures.js'

describe('responses', () => {
  it('round-trips JSON claims through google.protobuf.Struct', () => {
    const claims = {
      sub: 'spiffe://td/x',
      aud: ['a', 'b'],
      exp: 1767225600,
      nested: { ok: true, none: null },
    }
    expect(fromStruct(toStruct(claims))).toEqual(claims)
  })

  it('writes JWKS with kid and public members only', () => {
    const text = jwks([
      { keyId: 'k1', publicKeyJwk: { kty: 'EC', crv: 'P-256', x: 'X', y: 'Y', d: 'SECRET' } },
    ])
    expect(JSON.parse(text)).toEqual({ keys: [{ kty: 'EC', crv: 'P-256', x: 'X', y: 'Y', kid: 'k1' }] })
  })

  it('keeps the first identity of each non-empty hint', () => {
    const ids = [
      identity('1', 'workload-a', ['x:y'], { hint: 'h' }),
      identity('2', 'workload-b', ['x:y'], { hint: 'h' }),
      identity('3', 'workload-b', ['x:y']),
      identity('4', 'workload-a2', ['x:y']),
    ]
    expect(withUniqueHints(ids).map((i) => i.entryId)).toEqual(['1', '3', '4'])
  })
})

describe('splitDer', () => {
  it('splits concatenated certificates and rejects truncated input', () => {
    const a = certDer('workload-a.pem')
    const ca = certDer('example-ca.pem')
    const parts = splitDer(Buffer.concat([a, ca]))
    expect(parts.map((p) => p.length)).toEqual([a.length, ca.length])
    expect(() => splitDer(a.subarray(0, a.length - 1))).toThrow(TypeError)
  })
})

describe('parseProcessStartTime', () => {
  it('reads field 22 even when the command name has spaces and parentheses', () => {
    const rest = Array.from({ length: 40 }, (_, i) => String(i + 3)).join(' ')
    expect(parseProcessStartTime(`123 (my (odd) name) ${rest}`)).toBe('22')
  })
})
