import { describe, expect, it } from 'vitest'
import { isExpired, jitterFromUnit, rotateAtMs, shouldRotate } from '../../../../agent/svid/rotation.js'

const svid = { notBeforeMs: 1_000, notAfterMs: 101_000 }

describe('shouldRotate', () => {
  it('rotates at half life without jitter', () => {
    expect(shouldRotate(svid, 50_999, 0)).toBe(false)
    expect(shouldRotate(svid, 51_000, 0)).toBe(true)
  })

  it('moves the rotation point by at most ±5 % of the lifetime', () => {
    expect(rotateAtMs(svid, 0.05)).toBeCloseTo(56_000)
    expect(rotateAtMs(svid, -0.05)).toBeCloseTo(46_000)
    expect(rotateAtMs(svid, 0.5)).toBeCloseTo(56_000)
    expect(rotateAtMs(svid, -1)).toBeCloseTo(46_000)
  })

  it('says an SVID is expired from its NotAfter on', () => {
    expect(isExpired(svid, 100_999)).toBe(false)
    expect(isExpired(svid, 101_000)).toBe(true)
    expect(shouldRotate(svid, 101_000, 0.05)).toBe(true)
  })

  it('maps a uniform unit to [-0.05, 0.05)', () => {
    expect(jitterFromUnit(0)).toBeCloseTo(-0.05)
    expect(jitterFromUnit(0.5)).toBeCloseTo(0)
    expect(jitterFromUnit(0.999999)).toBeLessThan(0.05)
  })
})
