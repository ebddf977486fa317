import { describe, expect, it } from 'vitest'
import { DAY_MS, HOUR_MS } from '../../../../engine/core/clock.js'
import { nextRotationStep, shouldActivateNext, shouldPrepareNext } from '../../../../engine/ca/slots.js'

const T0 = Date.UTC(2026, 0, 1)
const ca = (ttlMs: number) => ({ issuedAtMs: T0, notAfterMs: T0 + ttlMs })

describe('rotation schedule (spiffe-reference §7.2)', () => {
  it('with ca_ttl 24h prepares after 12h and activates after 20h', () => {
    const c = ca(24 * HOUR_MS)
    expect(shouldPrepareNext(c, T0 + 12 * HOUR_MS)).toBe(false)
    expect(shouldPrepareNext(c, T0 + 12 * HOUR_MS + 1)).toBe(true)
    expect(shouldActivateNext(c, T0 + 20 * HOUR_MS)).toBe(false)
    expect(shouldActivateNext(c, T0 + 20 * HOUR_MS + 1)).toBe(true)
  })

  it('with ca_ttl 72h prepares at 36h and activates at 60h', () => {
    const c = ca(72 * HOUR_MS)
    expect(shouldPrepareNext(c, T0 + 36 * HOUR_MS + 1)).toBe(true)
    expect(shouldActivateNext(c, T0 + 60 * HOUR_MS)).toBe(false)
    expect(shouldActivateNext(c, T0 + 60 * HOUR_MS + 1)).toBe(true)
  })

  it('caps the lead at 30 days (prepare) and 7 days (activate) for long-lived CAs', () => {
    const c = ca(365 * DAY_MS)
    expect(shouldPrepareNext(c, T0 + 335 * DAY_MS)).toBe(false)
    expect(shouldPrepareNext(c, T0 + 335 * DAY_MS + 1)).toBe(true)
    expect(shouldActivateNext(c, T0 + 358 * DAY_MS + 1)).toBe(true)
  })

  it('steps: none, prepare, activate, and recovery from missing or expired authorities', () => {
    const c = ca(24 * HOUR_MS)
    const n = { issuedAtMs: T0 + 13 * HOUR_MS, notAfterMs: T0 + 37 * HOUR_MS }
    expect(nextRotationStep(undefined, undefined, T0)).toBe('prepare-and-activate')
    expect(nextRotationStep(c, undefined, T0 + HOUR_MS)).toBe('none')
    expect(nextRotationStep(c, undefined, T0 + 13 * HOUR_MS)).toBe('prepare')
    expect(nextRotationStep(c, n, T0 + 14 * HOUR_MS)).toBe('none')
    expect(nextRotationStep(c, n, T0 + 21 * HOUR_MS)).toBe('activate')
    expect(nextRotationStep(undefined, n, T0 + 14 * HOUR_MS)).toBe('activate')
    expect(nextRotationStep(c, undefined, T0 + 25 * HOUR_MS)).toBe('prepare-and-activate')
    expect(nextRotationStep(c, n, T0 + 38 * HOUR_MS)).toBe('prepare-and-activate')
  })
})
