import type { Diagnostic } from '../../core/diagnostics.js'
import { ruleIdOf, type LintReport } from './report.js'

const SARIF_SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json'

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

// artifact URIs are relative references: encode each path segment, keep the slashes
const toUri = (file: string) => file.split('/').map(encodeURIComponent).join('/')

function location(d: Diagnostic): object[] {
  if (!d.span) return []
  const s = d.span
  return [
    {
      physicalLocation: {
        artifactLocation: { uri: toUri(s.file), uriBaseId: '%SRCROOT%' },
        region: { startLine: s.line, startColumn: s.column, endLine: s.endLine, endColumn: s.endColumn },
      },
    },
  ]
}

/** SARIF 2.1.0 for code scanning: one run, a rule per code or policy, a result per finding. */
export function renderSarif(report: LintReport, tool: { version: string }): string {
  const ids = [...new Set(report.diagnostics.map(ruleIdOf))].sort(cmp)
  const index = new Map(ids.map((id, i) => [id, i]))
  const level = new Map<string, 'error' | 'warning'>()
  for (const d of report.diagnostics)
    if (!level.has(ruleIdOf(d)) || d.severity === 'error') level.set(ruleIdOf(d), d.severity)
  const rules = ids.map((id) => {
    const info = report.describe(id)
    return {
      id,
      shortDescription: { text: info.short },
      help: { text: info.help },
      defaultConfiguration: { level: level.get(id) ?? 'error' },
    }
  })
  const results = report.diagnostics.map((d) => ({
    ruleId: ruleIdOf(d),
    ruleIndex: index.get(ruleIdOf(d)) as number,
    level: d.severity,
    message: { text: `${d.message}${d.hint ? ` (${d.hint})` : ''}` },
    locations: location(d),
    properties: { code: d.code, path: d.path, ...(d.object ? { object: d.object } : {}) },
  }))
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'sigil',
            version: tool.version,
            informationUri: 'https://github.com/sigil-dev/sigil',
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'the linted directory' } } },
        results,
      },
    ],
  }
  return `${JSON.stringify(sarif, null, 2)}\n`
}
