/** `sigil lint [DIR]`: schema, reference and policy checks of an identity repository, every problem at once. */
import { Option, type Command } from 'commander'
import { hasErrors } from '../../core/diagnostics.js'
import { isEngineError } from '../../core/errors.js'
import type { PolicyObject } from '../../model/types.js'
import { systemClock } from '../../platform/system-clock.js'
import { readBuiltinPolicies } from '../../source/builtin-policies.js'
import { readDirectory } from '../../source/read-directory.js'
import { checkRepository } from '../../validate/check-repository.js'
import { action } from '../action.js'
import { EXIT } from '../exit.js'
import { renderGithub } from '../lint-output/github.js'
import { renderJson } from '../lint-output/json.js'
import { makeReport, type LintReport } from '../lint-output/report.js'
import { renderSarif } from '../lint-output/sarif.js'
import { renderText } from '../lint-output/text.js'
import { stylerFor } from '../output.js'
import { SIGIL_VERSION } from '../version.js'

type Format = 'text' | 'json' | 'github' | 'sarif'

interface LintFlags {
  readonly path?: string
  readonly format: Format
  readonly failOnWarn?: boolean
  readonly builtinPolicies: boolean
}

function render(format: Format, report: LintReport): string {
  switch (format) {
    case 'json':
      return renderJson(report)
    case 'github':
      return renderGithub(report)
    case 'sarif':
      return renderSarif(report, { version: SIGIL_VERSION })
    case 'text':
      return renderText(report, stylerFor(process.stdout))
  }
}

/** Runs lint and returns the exit code: 0 clean, 1 errors (or warnings with --fail-on-warn), 2 could not run. */
export async function runLint(dir: string, flags: LintFlags): Promise<number> {
  let builtin: PolicyObject[] = []
  let snapshot
  try {
    snapshot = await readDirectory(dir, flags.path === undefined ? {} : { path: flags.path })
    if (flags.builtinPolicies) builtin = await readBuiltinPolicies()
  } catch (err) {
    if (!isEngineError(err)) throw err
    process.stderr.write(`sigil lint: ${err.message} (${err.code})\n`)
    return EXIT.other
  }
  const check = checkRepository(snapshot, { builtinPolicies: builtin, todayMs: systemClock.now() })
  const policies = [...builtin, ...check.desired.policies]
  const report = makeReport(check.diagnostics, snapshot.files, check, policies)
  process.stdout.write(render(flags.format, report))
  if (hasErrors(check.diagnostics)) return EXIT.failure
  if (flags.failOnWarn && check.diagnostics.length > 0) return EXIT.failure
  return EXIT.ok
}

/** Registers `sigil lint`. */
export function register(program: Command): void {
  program
    .command('lint')
    .description('check an identity repository: YAML, schema, references, selectors, TTLs and policies')
    .argument('[dir]', 'repository directory', '.')
    .option('--path <path>', 'only read YAML under this sub-directory of DIR')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['text', 'json', 'github', 'sarif'])
        .default('text'),
    )
    .option('--fail-on-warn', 'exit 1 when there are warnings, not only errors')
    .option('--no-builtin-policies', "skip Sigil's built-in policy packs (policies/*.yaml)")
    .addHelpText(
      'after',
      '\nExit codes: 0 clean, 1 errors found (or warnings with --fail-on-warn), 2 could not run.',
    )
    .action(action((dir: string, flags: LintFlags) => runLint(dir, flags)))
}
