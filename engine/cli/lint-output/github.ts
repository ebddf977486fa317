import type { LintReport } from './report.js'

// GitHub workflow commands: data escapes % CR LF; property values also : and ,
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')

/** One `::error`/`::warning` workflow command per finding, for GitHub Actions annotations. */
export function renderGithub(report: LintReport): string {
  let out = ''
  for (const d of report.diagnostics) {
    const props: string[] = []
    if (d.span) {
      props.push(`file=${escapeProperty(d.span.file)}`, `line=${d.span.line}`, `col=${d.span.column}`)
      props.push(`endLine=${d.span.endLine}`, `endColumn=${d.span.endColumn}`)
    }
    props.push(`title=${escapeProperty(d.rule ? `${d.code} ${d.rule}` : d.code)}`)
    const where = d.object ? ` [${d.object}]` : ''
    const hint = d.hint ? `\n${d.hint}` : ''
    out += `::${d.severity} ${props.join(',')}::${escapeData(`${d.message}${where}${hint}`)}\n`
  }
  return out
}
