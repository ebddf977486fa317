import { describe, expect, it } from 'vitest'
import { allowedDeletions, parseDeletionLimit } from '../../../../engine/apply/deletion-limit.js'

describe('deletion limit', () => {
  it.each([
    ['5', { kind: 'count', value: 5 }],
    ['0', { kind: 'count', value: 0 }],
    ['10%', { kind: 'percent', value: 10 }],
    ['12.5%', { kind: 'percent', value: 12.5 }],
    ['100%', { kind: 'percent', value: 100 }],
  ])('parses %s', (text, limit) => expect(parseDeletionLimit(text)).toEqual(limit))

  it.each(['', '-1', '101%', 'ten', '5%%', '1.5'])('rejects %j', (text) =>
    expect(parseDeletionLimit(text)).toBeUndefined(),
  )

  it.each([
    [{ kind: 'percent', value: 10 }, 0, 1],
    [{ kind: 'percent', value: 10 }, 9, 1],
    [{ kind: 'percent', value: 10 }, 25, 2],
    [{ kind: 'percent', value: 10 }, 1000, 100],
    [{ kind: 'count', value: 0 }, 1000, 0],
    [{ kind: 'count', value: 7 }, 3, 7],
  ] as const)('allows %j of %d managed → %d', (limit, managed, allowed) =>
    expect(allowedDeletions(limit, managed)).toBe(allowed),
  )
})
