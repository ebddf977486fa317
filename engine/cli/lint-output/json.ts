import type { LintReport } from './report.js'

/** The stable JSON output of `sigil lint --format json` (documented in docs/lint.md). */
export function renderJson(report: LintReport): string {
  const diagnostics = report.diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.span?.file ?? null,
    line: d.span?.line ?? null,
    column: d.span?.column ?? null,
    endLine: d.span?.endLine ?? null,
    endColumn: d.span?.endColumn ?? null,
    path: d.path,
    rule: d.rule ?? null,
    object: d.object ?? null,
    hint: d.hint ?? null,
  }))
  return `${JSON.stringify({ diagnostics, summary: report.summary }, null, 2)}\n`
}
