import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT, runSigil, type CliResult } from '../../support/cli.js'

const fixture = (name: string) => join(PROJECT_ROOT, 'test/fixtures/policy', name)

// Every invocation starts together: each spawn costs seconds of Node start-up on a busy machine.
const RUNS = {
  passing: ['policy', 'test', join(PROJECT_ROOT, 'examples/kubernetes')],
  failing: ['policy', 'test', fixture('failing')],
  json: ['policy', 'test', fixture('failing'), '--format', 'json'],
  malformed: ['policy', 'test', fixture('malformed')],
  none: ['policy', 'test', join(PROJECT_ROOT, 'examples/quickstart')],
  missing: ['policy', 'test', fixture('does-not-exist')],
}
const results = {} as Record<keyof typeof RUNS, CliResult>
beforeAll(async () => {
  const names = Object.keys(RUNS) as (keyof typeof RUNS)[]
  const done = await Promise.all(names.map((name) => runSigil(RUNS[name])))
  names.forEach((name, i) => (results[name] = done[i] as CliResult))
})

describe('sigil policy test', () => {
  it('exits 0 and reports every case when all pass', () => {
    const r = results.passing
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/PASS production-entries: /)
    expect(r.stdout).not.toMatch(/FAIL/)
  })

  it('exits 1 and shows the difference when a case fails', () => {
    const r = results.failing
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('PASS access: api may read a')
    expect(r.stdout).toContain('FAIL access: this expectation is wrong on purpose')
    expect(r.stdout).toContain('decision: expected deny, got allow (granted by reader)')
    expect(r.stdout).toContain('1 passed, 1 failed')
  })

  it('prints results as JSON with --format json', () => {
    const r = results.json
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout) as { summary: unknown; cases: { passed: boolean; actual: unknown }[] }
    expect(out.summary).toEqual({ passed: 1, failed: 1, total: 2 })
    expect(out.cases[1]).toMatchObject({
      passed: false,
      actual: { decision: 'allow', grantedBy: ['reader'] },
    })
  })

  it('exits 2 with the place of the problem when a test file is malformed', () => {
    const r = results.malformed
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^broken\.test\.yaml:6:\d+: .*\(ERR_POLICY_TEST_INVALID\)$/m)
  })

  it('exits 2 when there are no policy tests', () => {
    const r = results.none
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('no policy tests')
  })

  it('exits 2 when the directory does not exist', () => {
    const r = results.missing
    expect(r.code).toBe(2)
  })
})
