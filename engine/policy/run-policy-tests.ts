/** Runs parsed policy tests against a repository; how the repository is checked is the caller's. */
import type { Diagnostic } from '../core/diagnostics.js'
import type { DesiredState } from '../model/types.js'
import { computeGrants, grantingRoles } from './access.js'
import type { PolicyTestCase, PolicyTestSuite } from './policy-tests.js'

/** The repository as checked for one case: its desired state and every diagnostic. */
export interface CaseRepository {
  readonly desired: DesiredState
  readonly diagnostics: readonly Diagnostic[]
}

/** Checks the repository with `object` added (replacing an object of the same kind and name), or as it is. */
export type CheckWith = (object: Readonly<Record<string, unknown>> | undefined) => CaseRepository

/** Outcome of one case; `problems` say how the result differs from the expectation. */
export interface CaseResult {
  readonly file: string
  readonly suite: string
  readonly name: string
  readonly passed: boolean
  readonly problems: readonly string[]
  /** What was observed, for `--format json`. */
  readonly actual: {
    readonly findings?: readonly string[]
    readonly decision?: 'allow' | 'deny'
    readonly grantedBy?: readonly string[]
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Runs every case of every suite in order. */
export function runPolicyTests(suites: readonly PolicyTestSuite[], checkWith: CheckWith): CaseResult[] {
  let unchanged: CaseRepository | undefined
  const results: CaseResult[] = []
  for (const suite of suites) {
    for (const testCase of suite.cases) {
      const repo = testCase.object ? checkWith(testCase.object) : (unchanged ??= checkWith(undefined))
      results.push({ file: suite.file, suite: suite.name, name: testCase.name, ...judge(testCase, repo) })
    }
  }
  return results
}

function judge(
  testCase: PolicyTestCase,
  repo: CaseRepository,
): Pick<CaseResult, 'passed' | 'problems' | 'actual'> {
  const problems: string[] = []
  const actual: { findings?: string[]; decision?: 'allow' | 'deny'; grantedBy?: readonly string[] } = {}
  const { expect } = testCase
  if (expect.findings && testCase.object) {
    const found = findingsAbout(testCase.object, repo.diagnostics)
    actual.findings = found
    const missing = expect.findings.filter((f) => !found.includes(f))
    const unexpected = found.filter((f) => !expect.findings?.includes(f))
    if (missing.length > 0) problems.push(`missing findings: ${missing.join(', ')}`)
    if (unexpected.length > 0) problems.push(`unexpected findings: ${unexpected.join(', ')}`)
  }
  if (expect.decision && testCase.spiffeID !== undefined && testCase.scope !== undefined) {
    const grants = computeGrants({
      entries: repo.desired.entries.map((e) => e.spec),
      roles: repo.desired.roles.map((r) => ({ name: r.metadata.name, scopes: r.spec.scopes })),
    })
    const roles = grantingRoles(grants, testCase.spiffeID, testCase.scope)
    actual.decision = roles.length > 0 ? 'allow' : 'deny'
    actual.grantedBy = roles
    if (actual.decision !== expect.decision) {
      const via = roles.length > 0 ? ` (granted by ${roles.join(', ')})` : ''
      problems.push(`decision: expected ${expect.decision}, got ${actual.decision}${via}`)
    } else if (expect.grantedBy && expect.grantedBy.join('\u0000') !== roles.join('\u0000')) {
      problems.push(`granted by: expected ${expect.grantedBy.join(', ') || 'none'}, got ${roles.join(', ')}`)
    }
  }
  return { passed: problems.length === 0, problems, actual }
}

/** Sorted unique `rule ?? code` of the diagnostics about the case's object. */
function findingsAbout(
  object: Readonly<Record<string, unknown>>,
  diagnostics: readonly Diagnostic[],
): string[] {
  const meta = object['metadata']
  const name = meta && typeof meta === 'object' ? (meta as Record<string, unknown>)['name'] : undefined
  const label = `${String(object['kind'])}/${String(name)}`
  const ids = diagnostics.filter((d) => d.object === label).map((d) => d.rule ?? d.code)
  return [...new Set(ids)].sort(cmp)
}
