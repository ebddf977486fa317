import { describe, expect, it } from 'vitest'
import { runSigil } from '../../support/cli.js'

// Usage errors must not be confused with a command's own exit codes (DESIGN.md §3).
describe('usage errors', () => {
  it('exit 1 for plan, where 2 means "changes" with --detailed-exitcode', async () => {
    const r = await runSigil(['plan', '--no-such-flag'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('--no-such-flag')
  })

  it('exit 1 for apply, which knows only applied (0) and refused (1)', async () => {
    expect((await runSigil(['apply', '--no-such-flag'])).code).toBe(1)
  })

  it('exit 2 ("could not run") for lint', async () => {
    expect((await runSigil(['lint', '--format', 'json', '--no-such-flag'])).code).toBe(2)
  })

  it('--help and --version exit 0 and print usage', async () => {
    const help = await runSigil(['--help'])
    expect(help.code).toBe(0)
    for (const command of ['lint', 'plan', 'apply', 'server', 'agent', 'authz', 'workload']) {
      expect(help.stdout).toContain(command)
    }
    expect((await runSigil(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })
})
