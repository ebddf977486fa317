import { describe, expect, it } from 'vitest'
import type { Diagnostic } from '../../../../engine/core/diagnostics.js'
import { applyWaivers, parseWaiver } from '../../../../engine/policy/index.js'
import { desiredFrom, entryDoc, fixedLocate } from './desired.js'

const TODAY = Date.UTC(2026, 5, 15, 12) // 2026-06-15, noon UTC
const finding = (rule: string, object = 'Entry/api'): Diagnostic => ({
  code: 'ERR_POLICY_VIOLATION',
  severity: 'error',
  message: 'no',
  path: '',
  rule,
  object,
})
const withWaivers = (annotations: Record<string, string>) =>
  desiredFrom([
    entryDoc('api', { spiffeID: 'spiffe://example.org/a' }, { annotations }),
    entryDoc('other', { spiffeID: 'spiffe://example.org/b' }),
  ])
const apply = (diags: Diagnostic[], annotations: Record<string, string>, todayMs = TODAY) =>
  applyWaivers(diags, withWaivers(annotations), { todayMs, locate: fixedLocate })

describe('applyWaivers', () => {
  it('silences the waived rule on the annotated object only', () => {
    const out = apply(
      [
        finding('sigil.admin-needs-waiver'),
        finding('sigil.admin-needs-waiver', 'Entry/other'),
        finding('sigil.x'),
      ],
      {
        'sigil/waive.sigil.admin-needs-waiver': 'break-glass registrar, SEC-123; expires 2026-12-31',
      },
    )
    expect(out).toEqual([finding('sigil.admin-needs-waiver', 'Entry/other'), finding('sigil.x')])
  })

  it('matches diagnostics without a rule by their code', () => {
    const byCode: Diagnostic = {
      code: 'ERR_MODEL_SOMETHING',
      severity: 'warning',
      message: 'm',
      path: '',
      object: 'Entry/api',
    }
    expect(apply([byCode], { 'sigil/waive.ERR_MODEL_SOMETHING': 'known; expires 2026-07-01' })).toEqual([])
  })

  it('is valid through the whole expiry day (UTC) and expired the day after', () => {
    const waiver = { 'sigil/waive.r': 'reason; expires 2026-06-15' }
    expect(apply([finding('r')], waiver, Date.UTC(2026, 5, 15, 23, 59, 59))).toEqual([])
    const out = apply([finding('r')], waiver, Date.UTC(2026, 5, 16))
    expect(out.map((d) => d.code)).toEqual(['ERR_POLICY_VIOLATION', 'ERR_POLICY_WAIVER_EXPIRED'])
    expect(out[1]).toMatchObject({
      severity: 'error',
      object: 'Entry/api',
      path: '/metadata/annotations/sigil~1waive.r',
      span: { file: 'entry.yaml#/metadata/annotations/sigil~1waive.r' },
    })
  })

  it.each([
    ['no reason', '; expires 2026-12-31'],
    ['blank reason', '   ; expires 2026-12-31'],
    ['no expiry', 'because'],
    ['a bad date', 'because; expires 2026-02-30'],
    ['a bad format', 'because; until 2026-12-31'],
    ['a short date', 'because; expires 2026-1-5'],
  ])('rejects a waiver with %s as ERR_POLICY_WAIVER_INVALID and keeps the finding', (_label, value) => {
    const out = apply([finding('r')], { 'sigil/waive.r': value })
    expect(out.map((d) => d.code)).toEqual(['ERR_POLICY_VIOLATION', 'ERR_POLICY_WAIVER_INVALID'])
    expect(out[1]?.span?.file).toBe('entry.yaml#/metadata/annotations/sigil~1waive.r')
  })

  it('rejects a waiver that names no rule', () => {
    expect(apply([], { 'sigil/waive.': 'x; expires 2026-12-31' }).map((d) => d.code)).toEqual([
      'ERR_POLICY_WAIVER_INVALID',
    ])
  })

  it('does not silence a different rule, and warns that the waiver is unused', () => {
    const out = apply([finding('sigil.a')], { 'sigil/waive.sigil.b': 'reason; expires 2026-12-31' })
    expect(out.map((d) => [d.code, d.severity])).toEqual([
      ['ERR_POLICY_VIOLATION', 'error'],
      ['ERR_POLICY_WAIVER_UNUSED', 'warning'],
    ])
  })

  it('ignores annotations that are not waivers', () => {
    expect(apply([finding('r')], { 'team/owner': 'web; expires 2020-01-01' })).toEqual([finding('r')])
  })
})

describe('parseWaiver', () => {
  it('keeps reasons containing semicolons and reports the first instant after the expiry day', () => {
    expect(parseWaiver('sigil/waive.r', 'legacy; see SEC-1; expires 2027-01-31')).toEqual({
      ok: true,
      rule: 'r',
      reason: 'legacy; see SEC-1',
      expiresDate: '2027-01-31',
      untilMs: Date.UTC(2027, 1, 1),
    })
  })
})
