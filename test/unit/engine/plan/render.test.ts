import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { makePlan } from '../../../../engine/plan/make-plan.js'
import { mermaidLabel, renderPlanMarkdown } from '../../../../engine/plan/render-markdown.js'
import { renderPlanText, type PlanStyler } from '../../../../engine/plan/render-text.js'
import type { Plan } from '../../../../engine/plan/types.js'
import { loadFixture } from './helpers.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')

function planFor(name: string): Plan {
  const { desired, live, meta } = loadFixture(join(FIXTURES, name))
  return makePlan(desired, live, meta)
}

const tagging: PlanStyler = {
  red: (s) => `<r>${s}</r>`,
  green: (s) => `<g>${s}</g>`,
  yellow: (s) => `<y>${s}</y>`,
  bold: (s) => `<b>${s}</b>`,
  dim: (s) => `<d>${s}</d>`,
}

describe('renderPlanText', () => {
  it('colours actions through the styler', () => {
    const text = renderPlanText(planFor('mixed-ordering'), tagging)
    expect(text).toContain('  <g>+</g> <b>Entry</b> charlie')
    expect(text).toContain('  <y>~</y> <b>Role</b> alpha')
    expect(text).toContain('  <r>-</r> <b>Entry</b> yankee')
    expect(text).toContain('<d>→</d>')
    expect(text.trimEnd().endsWith('<b>Plan: 3 to create, 4 to update, 2 to delete, 8 unchanged.</b>')).toBe(
      true,
    )
  })

  it('says "No changes." for an empty plan and still gives the summary line', () => {
    const text = renderPlanText(planFor('no-op'))
    expect(text).toMatch(/^No changes\./m)
    expect(text).toMatch(/^Plan: 0 to create, 0 to update, 0 to delete, 9 unchanged\.$/m)
  })

  it('marks replaced entries and protected deletions', () => {
    expect(renderPlanText(planFor('key-change'))).toContain('(replaced: its key changed)')
    expect(renderPlanText(planFor('unmanaged'))).toContain('(protected: apply refuses unless overridden)')
  })
})

describe('renderPlanMarkdown', () => {
  it('puts the access verdict before the change details', () => {
    const md = renderPlanMarkdown(planFor('role-change-access'))
    const verdict = md.indexOf('⚠️ **This PR widens access:**')
    expect(verdict).toBeGreaterThan(0)
    expect(verdict).toBeLessThan(md.indexOf('<details>'))
    expect(md).toContain('```mermaid\ngraph LR\n')
    expect(md).toContain('-->|gained|')
    expect(md).toContain('-.->|lost|')
  })

  it('gives no warning when access only shrinks or does not change', () => {
    expect(renderPlanMarkdown(planFor('ttl-update-keeps-id'))).not.toContain('widens access')
    expect(renderPlanMarkdown(planFor('no-op'))).toContain('**No changes.**')
  })

  it('cuts long plans at the caps and says how much was left out', () => {
    const md = renderPlanMarkdown(planFor('mixed-ordering'), { maxChangeDetails: 2, maxAccessRows: 1 })
    expect(md.match(/<details>/g)).toHaveLength(2)
    expect(md).toContain('7 more changes not shown')
    expect(md).toContain('3 more SPIFFE IDs not shown')
  })

  it('escapes Mermaid labels', () => {
    expect(mermaidLabel('spiffe://td/a-b_c.d')).toBe('spiffe://td/a-b_c.d')
    expect(mermaidLabel('x"]; click A')).toBe('x#34;#93;#59; click A')
    expect(mermaidLabel('<b>#1')).toBe('#60;b#62;#35;1')
  })

  it('lists diagnostics with their place', () => {
    expect(renderPlanMarkdown(planFor('unmanaged'))).toContain(
      '- ⚠️ **warning** `ERR_PLAN_UNMANAGED_CONFLICT` `billing.yaml:4:1`:',
    )
  })
})
