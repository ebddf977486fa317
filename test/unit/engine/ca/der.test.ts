import { describe, expect, it } from 'vitest'
import {
  derLength,
  derOid,
  derTime,
  derUnsignedInteger,
  oidToString,
  parseDerTime,
  readChildren,
  readNode,
  readSingle,
  TAG,
  contentOf,
} from '../../../../engine/ca/der.js'
import { isEngineError } from '../../../../engine/core/errors.js'

describe('der', () => {
  it('encodes lengths in the shortest form', () => {
    expect([...derLength(5)]).toEqual([5])
    expect([...derLength(0x80)]).toEqual([0x81, 0x80])
    expect([...derLength(0x1234)]).toEqual([0x82, 0x12, 0x34])
  })

  it('encodes unsigned integers minimally and positive', () => {
    expect(derUnsignedInteger(Buffer.from([0, 0, 1])).toString('hex')).toBe('020101')
    expect(derUnsignedInteger(Buffer.from([0x80])).toString('hex')).toBe('02020080')
    expect(derUnsignedInteger(Buffer.from([0x7f, 0xff])).toString('hex')).toBe('02027fff')
  })

  it('round-trips OIDs', () => {
    for (const oid of ['1.2.840.10045.4.3.2', '2.5.29.17', '1.3.6.1.5.5.7.3.1', '2.999.3']) {
      const der = derOid(oid)
      expect(oidToString(contentOf(der, readSingle(der, TAG.oid)))).toBe(oid)
    }
  })

  it('uses UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280)', () => {
    const t2049 = Date.UTC(2049, 11, 31, 23, 59, 59)
    const t2050 = Date.UTC(2050, 0, 1)
    expect(derTime(t2049)[0]).toBe(TAG.utcTime)
    expect(derTime(t2050)[0]).toBe(TAG.generalizedTime)
    for (const t of [t2049, t2050, Date.UTC(2026, 5, 7, 8, 9, 10)]) {
      const der = derTime(t)
      const node = readNode(der, 0)
      expect(parseDerTime(node.tag, contentOf(der, node))).toBe(t)
    }
  })

  it('rejects truncated values, non-minimal lengths and trailing bytes', () => {
    const bad = [
      Buffer.from('3005020101', 'hex'),
      Buffer.from('30810100', 'hex'),
      Buffer.from('300002', 'hex'),
    ]
    for (const b of bad) {
      let caught: unknown
      try {
        const node = readSingle(b, TAG.sequence)
        readChildren(b, node)
      } catch (err) {
        caught = err
      }
      expect(isEngineError(caught, 'ERR_CA_INVALID_REQUEST')).toBe(true)
    }
  })
})
