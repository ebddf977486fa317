/** Composition root of the `sigil` command line. */
import { Command, CommanderError } from 'commander'
import { isEngineError } from '../core/errors.js'
import { takeExitCode } from './action.js'
import { CliExit, EXIT } from './exit.js'
import { registerCommands } from './commands/index.js'
import { SIGIL_VERSION } from './version.js'

const USAGE_ERROR_IS_FAILURE = new Set(['plan', 'apply'])

/** Builds the program with the command `only` registered, or every command (exported for `--help` tests). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('sigil')
    .description('Declarative GitOps identity-as-code for SPIFFE workload identity')
    .version(SIGIL_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
  await registerCommands(program, only)
  for (const command of program.commands) command.exitOverride()
  return program
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv.find((a) => !a.startsWith('-')))
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return takeExitCode()
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors are "could not run" (2), except where 2 means
      // something else: `plan --detailed-exitcode` reports changes with 2, and `apply` knows only 0/1
      if (err.exitCode === 0) return EXIT.ok
      return USAGE_ERROR_IS_FAILURE.has(argv.find((a) => !a.startsWith('-')) ?? '')
        ? EXIT.failure
        : EXIT.other
    }
    if (err instanceof CliExit) {
      if (err.message) process.stderr.write(`sigil: ${err.message}\n`)
      return err.exitCode
    }
    if (isEngineError(err)) {
      process.stderr.write(`sigil: ${err.message} (${err.code})\n`)
      return EXIT.failure
    }
    process.stderr.write(
      `sigil: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    return EXIT.other
  }
}
