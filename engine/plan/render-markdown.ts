/** The plan as GitHub-flavoured Markdown for a pull-request comment. */
import type { Diagnostic } from '../core/diagnostics.js'
import { KINDS } from '../model/types.js'
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

/** Caps that keep a comment within GitHub's 65,536-character limit on large plans. */
export interface MarkdownOptions {
  /** Changes shown in `<details>` blocks; the rest are counted. Default 100. */
  readonly maxChangeDetails?: number
  /** SPIFFE IDs shown in the access table and graph; the rest are counted. Default 50. */
  readonly maxAccessRows?: number
}

const ICON = { create: '➕', update: '✏️', delete: '➖' } as const

/**
 * Renders a plan for a PR comment: a heading with the summary, a per-kind summary table, the access
 * changes first (a ⚠️ verdict when the plan widens access, a table and a Mermaid `graph LR` of SPIFFE
 * ID → scope edges labelled gained or lost), then each change collapsed in `<details>`, then
 * diagnostics. Long plans are cut at the `options` caps with a count of what was left out.
 */
export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const out: string[] = [`### Sigil plan: ${escapeText(summaryLine(plan).replace(/^Plan: |\.$/g, ''))}`, '']
  out.push(
    `Trust domain \`${plan.trustDomain}\` · base: ${escapeText(describeBase(plan))} · source: ${sourceLine(plan)}`,
    '',
  )
  if (plan.changes.length === 0) out.push('**No changes.** The live state matches the repository.', '')
  else out.push(...summaryTable(plan), '')
  if (plan.summary.unmanaged > 0) {
    out.push(
      `${plural(plan.summary.unmanaged, 'unmanaged live entry', 'unmanaged live entries')} (ID without \`${escapeCode(plan.safety.entryIdPrefix)}\`) left untouched.`,
      '',
    )
  }
  append(out, accessSection(plan, options.maxAccessRows ?? 50))
  append(out, changesSection(plan.changes, options.maxChangeDetails ?? 100))
  append(out, diagnosticsSection(plan.diagnostics))
  return `${out.join('\n').trimEnd()}\n`
}

function sourceLine(plan: Plan): string {
  const { repo, commit, path } = plan.source
  const at = commit === '' ? '' : ` @ \`${escapeCode(commit.slice(0, 12))}\``
  return `\`${escapeCode(repo)}\`${at}${path === '' ? '' : ` \`${escapeCode(path)}\``}`
}

function summaryTable(plan: Plan): string[] {
  const rows = ['| Kind | Create | Update | Delete |', '| --- | ---: | ---: | ---: |']
  for (const kind of KINDS) {
    const of = plan.changes.filter((c) => c.kind === kind)
    if (of.length === 0) continue
    const n = (a: Change['action']) => of.filter((c) => c.action === a).length
    rows.push(`| ${kind} | ${n('create')} | ${n('update')} | ${n('delete')} |`)
  }
  const s = plan.summary
  rows.push(
    `| **Total** | **${s.create}** | **${s.update}** | **${s.delete}** |`,
    '',
    `${s.unchanged} unchanged.`,
  )
  return rows
}

function accessSection(plan: Plan, maxRows: number): string[] {
  const out = ['#### Access changes', '']
  if (plan.accessChanges.length === 0) return [...out, 'No SPIFFE ID gains or loses a scope.', '']
  const gaining = plan.accessChanges.filter((a) => a.gained.length > 0).length
  out.push(
    plan.widensAccess
      ? `> ⚠️ **This PR widens access:** ${plural(gaining, 'SPIFFE ID gains', 'SPIFFE IDs gain')} scopes.`
      : '> ✅ This PR does not widen access (scopes are only removed).',
    '',
  )
  const shown = plan.accessChanges.slice(0, maxRows)
  out.push('| SPIFFE ID | Gains | Loses |', '| --- | --- | --- |')
  for (const a of shown)
    out.push(`| \`${escapeCode(a.spiffeId)}\` | ${scopeList(a.gained)} | ${scopeList(a.lost)} |`)
  out.push('')
  append(out, mermaidGraph(shown))
  out.push('')
  const rest = plan.accessChanges.length - shown.length
  if (rest > 0)
    out.push(`_${plural(rest, 'more SPIFFE ID', 'more SPIFFE IDs')} not shown; see the JSON plan._`, '')
  return out
}

function scopeList(list: AccessChange['gained']): string {
  return list.map((g) => `\`${escapeCode(g.scope)}\` (via \`${escapeCode(g.via)}\`)`).join('<br>') || '—'
}

/** A Mermaid graph of SPIFFE ID → scope edges; node IDs are generated, labels are entity-escaped. */
function mermaidGraph(changes: readonly AccessChange[]): string[] {
  const scopes = new Map<string, string>()
  const nodes: string[] = []
  const edges: string[] = []
  const scopeNode = (scope: string): string => {
    let id = scopes.get(scope)
    if (id === undefined) {
      id = `s${scopes.size}`
      scopes.set(scope, id)
      nodes.push(`  ${id}(["${mermaidLabel(scope)}"])`)
    }
    return id
  }
  changes.forEach((a, i) => {
    nodes.push(`  i${i}["${mermaidLabel(a.spiffeId)}"]`)
    for (const g of a.gained) edges.push(`  i${i} -->|gained| ${scopeNode(g.scope)}`)
    for (const l of a.lost) edges.push(`  i${i} -.->|lost| ${scopeNode(l.scope)}`)
  })
  return ['```mermaid', 'graph LR', ...nodes, ...edges, '```']
}

/** Text inside a quoted Mermaid label: every character that could end or alter it becomes an entity. */
export function mermaidLabel(text: string): string {
  return text.replace(/[^A-Za-z0-9 :/._\-@+=]/g, (c) => `#${c.codePointAt(0) as number};`)
}

function changesSection(changes: readonly Change[], max: number): string[] {
  if (changes.length === 0) return []
  const out = ['#### Changes', '']
  const replaced = replacedObjects(changes)
  for (const c of changes.slice(0, max))
    out.push(...changeDetails(c, replaced.has(`${c.kind}/${c.name}`)), '')
  if (changes.length > max) {
    out.push(
      `_${plural(changes.length - max, 'more change', 'more changes')} not shown; see the JSON plan._`,
      '',
    )
  }
  return out
}

function changeDetails(c: Change, replaced: boolean): string[] {
  const id = c.id === undefined ? '' : ` <code>${escapeHtml(c.id)}</code>`
  let note = replaced ? ' — replaced (its key changed)' : ''
  if (isProtectedDelete(c)) note += ' — <b>protected</b>: apply refuses unless overridden'
  const summary = `${ICON[c.action]} ${c.action} <b>${c.kind}</b> <code>${escapeHtml(c.name)}</code>${id}${note}`
  const lines: string[] = []
  for (const [field, before, after] of shownFields(c)) {
    if (c.action !== 'create') lines.push(`- ${field}: ${formatValue(field, before)}`)
    if (c.action !== 'delete') lines.push(`+ ${field}: ${formatValue(field, after)}`)
  }
  const body = lines.join('\n')
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1))
  return ['<details>', `<summary>${summary}</summary>`, '', `${fence}diff`, body, fence, '', '</details>']
}

function longestRun(text: string, ch: string): number {
  let best = 0
  let run = 0
  for (const c of text) {
    run = c === ch ? run + 1 : 0
    if (run > best) best = run
  }
  return best
}

function diagnosticsSection(diagnostics: readonly Diagnostic[]): string[] {
  if (diagnostics.length === 0) return []
  const out = ['#### Diagnostics', '']
  for (const d of diagnostics) {
    const where = d.span === undefined ? '' : ` \`${d.span.file}:${d.span.line}:${d.span.column}\``
    const icon = d.severity === 'error' ? '❌' : '⚠️'
    const hint = d.hint === undefined ? '' : ` _Hint: ${escapeText(d.hint)}_`
    out.push(`- ${icon} **${d.severity}** \`${d.code}\`${where}: ${escapeText(d.message)}${hint}`)
  }
  out.push('')
  return out
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** Text in Markdown prose: HTML-escaped, with Markdown punctuation backslash-escaped. */
function escapeText(text: string): string {
  return escapeHtml(text).replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
}

/** Text inside a table cell's inline code span: pipes would still split the cell. */
function escapeCode(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/`/g, "'")
}
