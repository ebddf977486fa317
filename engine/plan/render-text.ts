/** The plan as text for a terminal, in the manner of `terraform plan`. */
import type { Diagnostic } from '../core/diagnostics.js'
import {
  append,
  describeBase,
  formatValue,
  isProtectedDelete,
  plural,
  replacedObjects,
  shownFields,
  summaryLine,
} from './describe.js'
import type { AccessChange, Change, Plan } from './types.js'

/** The colours the text renderer uses; `Styler` from engine/cli/output.ts fits. */
export interface PlanStyler {
  red(s: string): string
  green(s: string): string
  yellow(s: string): string
  bold(s: string): string
  dim(s: string): string
}

const identity = (s: string): string => s
/** No colours: for files, pipes and NO_COLOR. */
export const PLAIN_STYLER: PlanStyler = {
  red: identity,
  green: identity,
  yellow: identity,
  bold: identity,
  dim: identity,
}

const SYMBOL = { create: '+', update: '~', delete: '-' } as const

/**
 * Renders a plan for people: a `+`/`~`/`-` line per change with its fields (`field: before → after`
 * for updates), the access changes, the unmanaged count, diagnostics and a summary line
 * `Plan: N to create, N to update, N to delete, N unchanged.`; `No changes.` leads when there are none.
 */
export function renderPlanText(plan: Plan, style: PlanStyler = PLAIN_STYLER): string {
  const out: string[] = [`Sigil plan for ${style.bold(plan.trustDomain)} against ${describeBase(plan)}.`, '']
  if (plan.changes.length === 0) {
    out.push(style.green('No changes.') + ' The live state matches the repository.', '')
  } else {
    out.push('Sigil will perform the following actions:', '')
    const replaced = replacedObjects(plan.changes)
    for (const c of plan.changes) out.push(...changeLines(c, replaced.has(`${c.kind}/${c.name}`), style), '')
  }
  append(out, accessLines(plan, style))
  if (plan.summary.unmanaged > 0) {
    const n = plan.summary.unmanaged
    out.push(
      `${plural(n, 'unmanaged live entry', 'unmanaged live entries')} (ID without "${plan.safety.entryIdPrefix}") ${n === 1 ? 'is' : 'are'} left untouched.`,
      '',
    )
  }
  append(out, diagnosticLines(plan.diagnostics, style))
  out.push(style.bold(summaryLine(plan)))
  return `${out.join('\n')}\n`
}

function colourFor(action: Change['action'], style: PlanStyler): (s: string) => string {
  return action === 'create' ? style.green : action === 'update' ? style.yellow : style.red
}

function changeLines(c: Change, replaced: boolean, style: PlanStyler): string[] {
  const colour = colourFor(c.action, style)
  const id = c.id === undefined ? '' : style.dim(` (id ${c.id})`)
  let note = replaced ? style.dim(' (replaced: its key changed)') : ''
  if (isProtectedDelete(c)) note += style.red(' (protected: apply refuses unless overridden)')
  const lines = [`  ${colour(SYMBOL[c.action])} ${style.bold(c.kind)} ${c.name}${id}${note}`]
  const fields = shownFields(c)
  const width = Math.max(0, ...fields.map(([f]) => f.length))
  for (const [field, before, after] of fields) {
    const label = `${field}:`.padEnd(width + 1)
    const value =
      c.action === 'update'
        ? `${formatValue(field, before)} ${style.dim('→')} ${formatValue(field, after)}`
        : formatValue(field, c.action === 'create' ? after : before)
    lines.push(`      ${label} ${value}`)
  }
  return lines
}

function accessLines(plan: Plan, style: PlanStyler): string[] {
  if (plan.accessChanges.length === 0) return []
  const out = ['Access changes:', '']
  for (const a of plan.accessChanges) append(out, accessChangeLines(a, style))
  out.push('')
  const gaining = plan.accessChanges.filter((a) => a.gained.length > 0).length
  if (plan.widensAccess) {
    out.push(
      style.yellow(
        style.bold(
          `This plan widens access: ${plural(gaining, 'SPIFFE ID gains', 'SPIFFE IDs gain')} scopes.`,
        ),
      ),
      '',
    )
  } else {
    out.push('This plan does not widen access.', '')
  }
  return out
}

function accessChangeLines(a: AccessChange, style: PlanStyler): string[] {
  return [
    `  ${a.spiffeId}`,
    ...a.gained.map((g) => `    ${style.green('+')} ${g.scope}  ${style.dim(`via ${g.via}`)}`),
    ...a.lost.map((l) => `    ${style.red('-')} ${l.scope}  ${style.dim(`via ${l.via}`)}`),
  ]
}

function diagnosticLines(diagnostics: readonly Diagnostic[], style: PlanStyler): string[] {
  if (diagnostics.length === 0) return []
  const out: string[] = []
  for (const d of diagnostics) {
    const where = d.span === undefined ? '' : `${d.span.file}:${d.span.line}:${d.span.column}: `
    const severity = d.severity === 'error' ? style.red('error') : style.yellow('warning')
    out.push(`${where}${severity} ${d.code}: ${d.message}`)
    if (d.hint !== undefined) out.push(`  hint: ${d.hint}`)
  }
  out.push('')
  return out
}
