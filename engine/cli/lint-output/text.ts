import type { Diagnostic } from '../../core/diagnostics.js'
import { LineIndex } from '../../model/line-index.js'
import type { Styler } from '../output.js'
import type { LintReport } from './report.js'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

function excerpt(d: Diagnostic, lines: (file: string) => LineIndex | undefined, style: Styler): string {
  const s = d.span
  const index = s && lines(s.file)
  if (!s || !index) return ''
  const text = index.lineText(s.line).replace(/\t/g, ' ')
  const gutter = String(s.line)
  const end = s.endLine === s.line ? s.endColumn : text.length + 1
  const width = Math.max(1, end - s.column)
  const pad = ' '.repeat(gutter.length)
  const caret = style[d.severity === 'error' ? 'red' : 'yellow']('^'.repeat(width))
  return `  ${style.dim(`${gutter} |`)} ${text}\n  ${style.dim(`${pad} |`)} ${' '.repeat(s.column - 1)}${caret}\n`
}

/** Human output: `file:line:col severity CODE message`, the source line with a caret, the hint, a summary. */
export function renderText(report: LintReport, style: Styler): string {
  const indexes = new Map<string, LineIndex>()
  const texts = new Map(report.files.map((f) => [f.path, f.text]))
  const lines = (file: string) => {
    let index = indexes.get(file)
    const text = texts.get(file)
    if (!index && text !== undefined) indexes.set(file, (index = new LineIndex(file, text)))
    return index
  }
  let out = ''
  for (const d of report.diagnostics) {
    const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.column} ` : ''
    const severity = d.severity === 'error' ? style.red('error') : style.yellow('warning')
    const rule = d.rule ? ` (${d.rule})` : ''
    const object = d.object ? style.dim(` [${d.object}]`) : ''
    out += `${style.bold(where)}${severity} ${style.cyan(d.code)} ${d.message}${rule}${object}\n`
    out += excerpt(d, lines, style)
    if (d.hint) out += `  ${style.green('hint:')} ${d.hint}\n`
  }
  const { errors, warnings, files, objects } = report.summary
  const counts = `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`
  const scope = `${plural(files, 'file')}, ${plural(objects, 'object')}`
  const verdict = errors > 0 ? style.red(counts) : warnings > 0 ? style.yellow(counts) : style.green(counts)
  out += `${out === '' ? '' : '\n'}${verdict} in ${scope}\n`
  return out
}
