/** `sigil policy test [DIR]`: runs the repository's `*.test.yaml` policy unit tests. */
import type { Command } from 'commander'
import type { Diagnostic } from '../../core/diagnostics.js'
import { parseModel } from '../../model/parse-model.js'
import { isEngineError } from '../../core/errors.js'
import type { SourceSnapshot } from '../../model/types.js'
import { parsePolicyTests, type PolicyTestSuite } from '../../policy/policy-tests.js'
import { runPolicyTests, type CaseResult, type CheckWith } from '../../policy/run-policy-tests.js'
import { snapshotWithDocument } from '../../policy/snapshot-with-document.js'
import { readBuiltinPolicies } from '../../source/builtin-policies.js'
import { readPolicyTests } from '../../source/policy-tests.js'
import { readDirectory } from '../../source/read-directory.js'
import { checkRepository } from '../../validate/check-repository.js'
import { action } from '../action.js'
import { EXIT } from '../exit.js'
import { stylerFor } from '../output.js'

interface TestOptions {
  readonly path?: string
  readonly format: 'text' | 'json'
}

/** Registers `sigil policy test`. */
export function register(program: Command): void {
  const policy = program.command('policy').description('work with policies')
  policy
    .command('test')
    .description('run the policy unit tests (*.test.yaml, kind: PolicyTest) of an identity repository')
    .argument('[DIR]', 'repository directory', '.')
    .option('--path <path>', 'only this sub-directory of DIR (repository and tests)')
    .option('--format <format>', 'text or json', 'text')
    .addHelpText('after', '\nExit codes: 0 all cases pass · 1 a case failed · 2 could not run')
    .action(action((dir: string, options: TestOptions) => policyTest(dir, options)))
}

async function policyTest(dir: string, options: TestOptions): Promise<number> {
  if (options.format !== 'text' && options.format !== 'json')
    return fail(`unknown format ${String(options.format)}`)
  let outcome: PolicyTestOutcome
  try {
    outcome = await testRepositoryPolicies(dir, {
      ...(options.path === undefined ? {} : { path: options.path }),
      todayMs: Date.now(),
    })
  } catch (err) {
    if (isEngineError(err)) return fail(`${err.message} (${err.code})`)
    throw err
  }
  if (!outcome.ok) {
    for (const d of outcome.diagnostics) process.stderr.write(`${where(d)}: ${d.message} (${d.code})\n`)
    return EXIT.other
  }
  const { suites, results } = outcome
  if (results.length === 0) return fail(`no policy tests (*.test.yaml) found in ${dir}`)
  if (options.format === 'json') process.stdout.write(`${JSON.stringify(toJson(results), null, 2)}\n`)
  else process.stdout.write(renderText(suites, results))
  return results.every((r) => r.passed) ? EXIT.ok : EXIT.failure
}

/** Parsed suites and their results, or the problems in the test files. */
export type PolicyTestOutcome =
  | { readonly ok: true; readonly suites: PolicyTestSuite[]; readonly results: CaseResult[] }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] }

/**
 * Reads the repository at `dir` and its `*.test.yaml` files and runs every case; each case with an
 * `object` re-checks the whole repository (schema, references, policies, waivers) with that object.
 * @throws EngineError `ERR_SOURCE_IO` when the directory cannot be read.
 */
export async function testRepositoryPolicies(
  dir: string,
  options: { readonly path?: string; readonly todayMs: number },
): Promise<PolicyTestOutcome> {
  const readOptions = options.path === undefined ? {} : { path: options.path }
  const [snapshot, testFiles, builtinPolicies] = await Promise.all([
    readDirectory(dir, readOptions),
    readPolicyTests(dir, readOptions),
    readBuiltinPolicies(),
  ])
  const { suites, diagnostics } = parsePolicyTests(testFiles)
  if (diagnostics.length > 0) return { ok: false, diagnostics }
  const model = parseModel(snapshot)
  const checkWith: CheckWith = (object) => {
    const snap: SourceSnapshot = object
      ? snapshotWithDocument(snapshot, model.desired, object, '<policy test case>.yaml')
      : snapshot
    const check = checkRepository(snap, { builtinPolicies, todayMs: options.todayMs })
    return { desired: check.desired, diagnostics: check.diagnostics }
  }
  return { ok: true, suites, results: runPolicyTests(suites, checkWith) }
}

function fail(message: string): number {
  process.stderr.write(`sigil: ${message}\n`)
  return EXIT.other
}

const where = (d: Diagnostic): string => (d.span ? `${d.span.file}:${d.span.line}:${d.span.column}` : '-')

function renderText(suites: readonly PolicyTestSuite[], results: readonly CaseResult[]): string {
  const s = stylerFor(process.stdout)
  const lines: string[] = []
  let file = ''
  for (const r of results) {
    if (r.file !== file) lines.push(s.bold((file = r.file)))
    lines.push(`  ${r.passed ? s.green('PASS') : s.red('FAIL')} ${r.suite}: ${r.name}`)
    for (const p of r.problems) lines.push(`       ${p}`)
  }
  const failed = results.filter((r) => !r.passed).length
  const files = new Set(suites.map((x) => x.file)).size
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  const summary = `${results.length - failed} passed, ${failed} failed (${plural(results.length, 'case')} in ${plural(files, 'file')})`
  lines.push('', failed > 0 ? s.red(summary) : s.green(summary))
  return `${lines.join('\n')}\n`
}

function toJson(results: readonly CaseResult[]): object {
  const failed = results.filter((r) => !r.passed).length
  return {
    formatVersion: 1,
    cases: results,
    summary: { passed: results.length - failed, failed, total: results.length },
  }
}
