/** Plan output for `plan`/`apply`: text for people, markdown for pull-request comments, JSON for tools. */
import { encodePlan } from '../../plan/codec.js'
import type { Change, Plan } from '../../plan/types.js'
import type { Styler } from '../output.js'

export type PlanFormat = 'text' | 'json' | 'markdown'
export const PLAN_FORMATS: readonly PlanFormat[] = ['text', 'json', 'markdown']

const SIGN = { create: '+', update: '~', delete: '-' } as const

function summaryLine(plan: Plan): string {
  const s = plan.summary
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged, ${s.unmanaged} unmanaged.`
}

function changeLine(c: Change): string {
  const fields = c.fields?.length ? ` (${c.fields.join(', ')})` : ''
  const id = c.id ? ` [${c.id}]` : ''
  return `${SIGN[c.action]} ${c.kind} ${c.name}${id}${fields}`
}

// stop-gap renderers until the plan stage's renderers land in engine/plan/
function renderText(plan: Plan, style: Styler): string {
  if (plan.changes.length === 0) return `No changes. ${summaryLine(plan)}\n`
  const colour = { create: style.green, update: style.yellow, delete: style.red } as const
  const lines = plan.changes.map((c) => colour[c.action](changeLine(c)))
  if (plan.widensAccess) lines.push('', style.bold('This plan widens access.'))
  return `${lines.join('\n')}\n\n${summaryLine(plan)}\n`
}

function renderMarkdown(plan: Plan): string {
  const head = `### Sigil plan\n\n${summaryLine(plan)}\n`
  if (plan.changes.length === 0) return `${head}\nNo changes.\n`
  const rows = plan.changes.map(
    (c) => `| ${c.action} | ${c.kind} | \`${c.name}\` | ${c.fields?.join(', ') ?? ''} |`,
  )
  return `${head}\n| action | kind | name | fields |\n|---|---|---|---|\n${rows.join('\n')}\n`
}

/** The plan in `format`. */
export function renderPlan(plan: Plan, format: PlanFormat, style: Styler): string {
  switch (format) {
    case 'json':
      return encodePlan(plan)
    case 'markdown':
      return renderMarkdown(plan)
    case 'text':
      return renderText(plan, style)
  }
}
