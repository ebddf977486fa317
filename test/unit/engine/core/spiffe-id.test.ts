import { describe, expect, it } from 'vitest'
import { isReservedPath, parseSpiffeId, trustDomainFromString } from '../../../../engine/core/spiffe-id.js'

// Every accept/reject case of spiffe-reference §1.2 (go-spiffe's strict parser).
const valid: [string, string, string][] = [
  ['spiffe://example.org', 'example.org', ''],
  ['spiffe://example.org/path', 'example.org', '/path'],
  ['spiffe://example.org/a/b/c', 'example.org', '/a/b/c'],
  ['spiffe://10.0.0.1/x', '10.0.0.1', '/x'],
  ['spiffe://td-with_under.score/x', 'td-with_under.score', '/x'],
  ['spiffe://td/.path', 'td', '/.path'],
  ['spiffe://td/..path', 'td', '/..path'],
  ['spiffe://td/...', 'td', '/...'],
  ['spiffe://td/Upper/Case', 'td', '/Upper/Case'],
]

const invalid: [string, string][] = [
  ['', 'scheme is missing or invalid'],
  ['Spiffe://x/y', 'scheme is missing or invalid'],
  ['spiffe:/x', 'scheme is missing or invalid'],
  ['spiffe:x', 'scheme is missing or invalid'],
  ['http://x/y', 'scheme is missing or invalid'],
  ['spiffe://', 'trust domain is missing'],
  ['spiffe:///', 'trust domain is missing'],
  ['spiffe:///path', 'trust domain is missing'],
  [
    'spiffe://Example.org/x',
    'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://example.org:8080/x',
    'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://user@example.org/x',
    'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://[::1]/x',
    'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://%62ad/x',
    'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://exämple.org/x',
    'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  ],
  ['spiffe://td/', 'path cannot have a trailing slash'],
  ['spiffe://td/a/', 'path cannot have a trailing slash'],
  ['spiffe://td//', 'path cannot contain empty segments'],
  ['spiffe://td//a', 'path cannot contain empty segments'],
  ['spiffe://td/a//b', 'path cannot contain empty segments'],
  ['spiffe://td/.', 'path cannot contain dot segments'],
  ['spiffe://td/..', 'path cannot contain dot segments'],
  ['spiffe://td/./a', 'path cannot contain dot segments'],
  ['spiffe://td/a/./b', 'path cannot contain dot segments'],
  ['spiffe://td/a/..', 'path cannot contain dot segments'],
  ['spiffe://td/../a', 'path cannot contain dot segments'],
  ['spiffe://td/a/../b', 'path cannot contain dot segments'],
  [
    'spiffe://td/a?b',
    'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://td/a#b',
    'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://td/%41',
    'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://td/a~b',
    'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://td/a:b',
    'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://td/a@b',
    'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://td/a+b',
    'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://td/a$b',
    'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  ],
  [
    'spiffe://td/a b',
    'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  ],
  ['spiffe://td/ä', 'path segment characters are limited to letters, numbers, dots, dashes, and underscores'],
  [`spiffe://${'a'.repeat(256)}/x`, 'trust domain is longer than 255 bytes'],
  [`spiffe://td/${'a'.repeat(2040)}`, 'spiffe id is longer than 2048 bytes'],
]

describe('parseSpiffeId', () => {
  it.each(valid)('accepts %s', (raw, trustDomain, path) => {
    expect(parseSpiffeId(raw)).toEqual({ ok: true, value: { trustDomain, path } })
  })

  it.each(invalid)('rejects %s', (raw, reason) => {
    expect(parseSpiffeId(raw)).toEqual({ ok: false, reason })
  })

  it('accepts exactly 2048 bytes', () => {
    const raw = `spiffe://td/${'a'.repeat(2048 - 'spiffe://td/'.length)}`
    expect(raw.length).toBe(2048)
    expect(parseSpiffeId(raw).ok).toBe(true)
  })

  it('sweeps every byte in trust domain and path like go-spiffe', () => {
    for (let c = 0; c < 256; c++) {
      const ch = String.fromCharCode(c)
      const tdOk = /[a-z0-9._-]/.test(ch)
      if (ch !== '/') expect(parseSpiffeId(`spiffe://a${ch}b/x`).ok, `td byte ${c}`).toBe(tdOk)
      const pathOk = /[A-Za-z0-9._-]/.test(ch)
      if (ch !== '/') expect(parseSpiffeId(`spiffe://td/a${ch}b`).ok, `path byte ${c}`).toBe(pathOk)
    }
  })
})

describe('helpers', () => {
  it('finds the reserved namespace', () => {
    expect(isReservedPath('/spire')).toBe(true)
    expect(isReservedPath('/spire/agent/x')).toBe(true)
    expect(isReservedPath('/spirex')).toBe(false)
  })

  it('reads a trust domain from a name or an ID', () => {
    expect(trustDomainFromString('example.org')).toEqual({ ok: true, value: 'example.org' })
    expect(trustDomainFromString('spiffe://example.org/x')).toEqual({ ok: true, value: 'example.org' })
    expect(trustDomainFromString('Example.org').ok).toBe(false)
  })
})
