import { describe, expect, it } from 'vitest'
import { formatDurationMs, parseDurationMs } from '../../../../engine/core/duration.js'

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['0s', 0],
  ])('parses %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms)
  })

  it.each(['', '1', 'h', '1 h', '1H', '-1s', '1.5h', '1w', 's1'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined()
  })

  it('formats the shortest exact form and round-trips', () => {
    expect(formatDurationMs(0)).toBe('0s')
    expect(formatDurationMs(5_400_000)).toBe('1h30m')
    expect(formatDurationMs(86_400_000 + 1)).toBe('1d1ms')
    for (const ms of [1, 999, 61_000, 90_061_001]) expect(parseDurationMs(formatDurationMs(ms))).toBe(ms)
  })
})
