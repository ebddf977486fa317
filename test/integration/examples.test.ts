// Every example repository lints with zero diagnostics, and its policy tests pass.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readBuiltinPolicies } from '../../engine/source/builtin-policies.js'
import { readDirectory } from '../../engine/source/read-directory.js'
import { checkRepository } from '../../engine/validate/check-repository.js'
import { testRepositoryPolicies } from '../../engine/cli/commands/policy.js'
import { PROJECT_ROOT } from '../support/cli.js'

const EXAMPLES = ['quickstart', 'kubernetes', 'federation/alpha', 'federation/beta']

const hasPolicyTests = (dir: string): boolean =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).some((f) => /\.test\.ya?ml$/.test(f))

describe('examples', () => {
  it.each(EXAMPLES)('%s lints with no errors and no warnings', async (name) => {
    const dir = join(PROJECT_ROOT, 'examples', name)
    expect(existsSync(join(dir, 'README.md')) || existsSync(join(dir, '..', 'README.md'))).toBe(true)
    const check = checkRepository(await readDirectory(dir), {
      builtinPolicies: await readBuiltinPolicies(),
      todayMs: Date.now(),
    })
    expect(check.diagnostics).toEqual([])
    expect(check.objects).toBeGreaterThan(0)
  })

  it.each(EXAMPLES.filter((name) => hasPolicyTests(join(PROJECT_ROOT, 'examples', name))))(
    '%s policy tests pass',
    async (name) => {
      const outcome = await testRepositoryPolicies(join(PROJECT_ROOT, 'examples', name), {
        todayMs: Date.now(),
      })
      expect(outcome.ok && outcome.results.filter((r) => !r.passed)).toEqual([])
      expect(outcome.ok && outcome.results.length).toBeGreaterThan(0)
    },
  )
})
