/** What every lint renderer receives: the findings, the files they point into, and rule descriptions. */
import type { Diagnostic } from '../../core/diagnostics.js'
import type { PolicyObject, SourceFile } from '../../model/types.js'
import { DIAGNOSTIC_CODES } from '../../validate/codes.js'

export interface LintSummary {
  readonly errors: number
  readonly warnings: number
  readonly files: number
  readonly objects: number
}

/** Description of a rule (a diagnostic code or a policy name), for SARIF rules and help. */
export interface RuleInfo {
  readonly id: string
  readonly short: string
  readonly help: string
}

export interface LintReport {
  readonly diagnostics: readonly Diagnostic[]
  readonly files: readonly SourceFile[]
  readonly summary: LintSummary
  readonly describe: (ruleId: string) => RuleInfo
}

const POLICY_CODE_TEXT: Readonly<Record<string, string>> = {
  ERR_POLICY_VIOLATION: 'an object fails a policy',
  ERR_POLICY_INVALID_EXPRESSION: "a policy's CEL expression does not compile or does not return a bool",
  ERR_POLICY_EVALUATION_FAILED: "a policy's expression failed at run time",
  ERR_POLICY_WAIVER_EXPIRED: 'a waiver annotation has expired; the finding it silenced is reported again',
  ERR_POLICY_WAIVER_INVALID: 'a waiver annotation lacks a reason or a valid "expires YYYY-MM-DD"',
  ERR_POLICY_WAIVER_UNUSED: 'a waiver silences nothing and can be removed',
}

/** The SARIF/GitHub rule id of a finding: the policy name for policy findings, else the code. */
export function ruleIdOf(d: Diagnostic): string {
  return d.rule ?? d.code
}

/** Builds a report, counting severities, with descriptions from the code tables and the policies. */
export function makeReport(
  diagnostics: readonly Diagnostic[],
  files: readonly SourceFile[],
  counts: { files: number; objects: number },
  policies: readonly PolicyObject[],
): LintReport {
  const byName = new Map(policies.map((p) => [p.metadata.name, p]))
  const codes: Readonly<Record<string, string>> = { ...DIAGNOSTIC_CODES, ...POLICY_CODE_TEXT }
  const describe = (id: string): RuleInfo => {
    const policy = byName.get(id)
    if (policy) return { id, short: policy.spec.message, help: policy.spec.rationale || policy.spec.message }
    const text = codes[id] ?? 'see docs/lint.md'
    return { id, short: text, help: `${id}: ${text}` }
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length
  return {
    diagnostics,
    files,
    summary: { errors, warnings: diagnostics.length - errors, files: counts.files, objects: counts.objects },
    describe,
  }
}
