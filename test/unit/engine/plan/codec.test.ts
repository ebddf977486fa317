import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { computePlanDigest } from '../../../../engine/plan/canonical-plan.js'
import { decodePlan, encodePlan } from '../../../../engine/plan/codec.js'
import { makePlan } from '../../../../engine/plan/make-plan.js'
import { renderPlanJson } from '../../../../engine/plan/render-json.js'
import type { Plan } from '../../../../engine/plan/types.js'
import { loadFixture } from './helpers.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')

function planFor(name: string): Plan {
  const { desired, live, meta } = loadFixture(join(FIXTURES, name))
  return makePlan(desired, live, meta)
}

type Json = Record<string, unknown> & { changes: Record<string, unknown>[] }

/** Encodes, lets `edit` change the parsed file, and re-serialises it. */
function edited(plan: Plan, edit: (file: Json) => void): string {
  const file = JSON.parse(encodePlan(plan)) as Json
  edit(file)
  return JSON.stringify(file, null, 2)
}

/** The `after` record of the first create in a parsed plan file. */
function createdRecord(f: Json): Record<string, unknown> {
  return f.changes.find((c) => c['action'] === 'create')!['after'] as Record<string, unknown>
}

function corruptReason(text: string): unknown {
  try {
    decodePlan(text)
  } catch (err) {
    expect(err).toMatchObject({ code: 'ERR_PLAN_CORRUPT' })
    return (err as { data: { reason: unknown } }).data.reason
  }
  return 'accepted'
}

describe('encodePlan / decodePlan', () => {
  const plan = planFor('unmanaged')
  const text = encodePlan(plan)

  it('round-trips, diagnostics and spans included', () => {
    expect(plan.diagnostics).toHaveLength(1)
    expect(decodePlan(text)).toEqual(plan)
  })

  it('writes stable JSON: fixed leading keys, 2-space indent, trailing newline, content digest', () => {
    expect(text.endsWith('}\n')).toBe(true)
    expect(Object.keys(JSON.parse(text) as object).slice(0, 4)).toEqual([
      'formatVersion',
      'sigilVersion',
      'createdAt',
      'planDigest',
    ])
    expect(text.split('\n')[1]).toBe('  "formatVersion": 1,')
    expect((JSON.parse(text) as { planDigest: string }).planDigest).toBe(computePlanDigest(plan))
    expect(renderPlanJson(plan)).toBe(text)
  })

  it('re-encodes a decoded plan to the same bytes', () => {
    expect(encodePlan(decodePlan(text))).toBe(text)
  })

  it('accepts a plan whose members were reordered', () => {
    const file = JSON.parse(text) as Record<string, unknown>
    const reordered = Object.fromEntries(Object.entries(file).reverse())
    expect(decodePlan(JSON.stringify(reordered))).toEqual(plan)
  })

  it('refuses another format version with ERR_PLAN_FORMAT_VERSION', () => {
    const future = edited(plan, (f) => {
      f['formatVersion'] = 2
      f['somethingNew'] = true
    })
    expect(() => decodePlan(future)).toThrow(
      expect.objectContaining({
        code: 'ERR_PLAN_FORMAT_VERSION',
        data: { formatVersion: 2, supported: [1] },
      }),
    )
  })

  it('refuses text that is not a plan with ERR_PLAN_CORRUPT', () => {
    expect(corruptReason('')).toBe('json')
    expect(corruptReason(text.slice(0, text.length / 2))).toBe('json')
    expect(corruptReason('[]')).toBe('shape')
    expect(corruptReason('{"plan": 1}')).toBe('shape')
    expect(corruptReason('null')).toBe('shape')
  })

  it('refuses a wrong shape', () => {
    expect(corruptReason(edited(plan, (f) => (f['extra'] = 1)))).toBe('schema')
    expect(corruptReason(edited(plan, (f) => delete f['base']))).toBe('schema')
    expect(corruptReason(edited(plan, (f) => delete f.changes[0]!['id']))).toBe('schema')
    expect(corruptReason(edited(plan, (f) => (f.changes[0]!['action'] = 'replace')))).toBe('schema')
    expect(corruptReason(edited(plan, (f) => (createdRecord(f)['hint'] = 3)))).toBe('schema')
    expect(corruptReason(edited(plan, (f) => (f.changes[0]!['action'] = 'update')))).toBe('schema')
  })

  it('refuses counts, order or a digest that disagree with the changes', () => {
    expect(corruptReason(edited(plan, (f) => ((f['summary'] as Record<string, number>)['create'] = 5)))).toBe(
      'summary',
    )
    expect(corruptReason(edited(plan, (f) => f.changes.reverse()))).toBe('order')
    expect(corruptReason(edited(plan, (f) => (f['widensAccess'] = true)))).toBe('access')
    const sneaky = edited(plan, (f) => (createdRecord(f)['admin'] = true))
    expect(corruptReason(sneaky)).toBe('digest')
  })

  it('round-trips every golden plan', () => {
    for (const name of ['create-from-empty', 'named-kinds', 'role-change-access', 'node-alias', 'no-op']) {
      const p = planFor(name)
      expect(decodePlan(encodePlan(p))).toEqual(p)
    }
  })
})
