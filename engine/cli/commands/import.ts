/** `sigil import spire FILE`: SPIRE's entry JSON (either shape) → an identity repository that lints clean. */
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { InvalidArgumentError, type Command } from 'commander'
import type { Diagnostic } from '../../core/diagnostics.js'
import { hasErrors } from '../../core/diagnostics.js'
import { systemClock } from '../../platform/system-clock.js'
import { readBuiltinPolicies } from '../../source/builtin-policies.js'
import { readDirectory } from '../../source/read-directory.js'
import { convertSpireFile, type SpireImport } from '../../spire/import-spire.js'
import type { SourceFile } from '../../model/types.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'

interface ImportFlags {
  readonly out: string
  readonly waiverDays: number
  readonly force?: boolean
}

const SHAPE_LABEL = {
  'entry-create-data': 'entry create -data JSON',
  'entry-show-json': 'entry show -output json',
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new CliExit(EXIT.failure, `cannot read ${file}: ${(err as Error).message}`)
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

/** Writes the files into `dir`: a new directory appears complete or not at all. */
async function writeRepository(dir: string, files: readonly SourceFile[], force: boolean): Promise<void> {
  const target = resolve(dir)
  const write = async (root: string) => {
    for (const f of files) {
      await mkdir(dirname(join(root, f.path)), { recursive: true })
      await writeFile(join(root, f.path), f.text)
    }
  }
  if (await exists(target)) {
    const present = (await readDirectory(target)).files
    if (present.length > 0 && !force) {
      throw new CliExit(
        EXIT.failure,
        `${dir} already holds ${present.length} YAML file(s); choose another --out or pass --force to overwrite`,
      )
    }
    await write(target)
    return
  }
  await mkdir(dirname(target), { recursive: true })
  const tmp = await mkdtemp(`${target}.tmp-`)
  try {
    await write(tmp)
    await rename(tmp, target)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}

function formatProblem(d: Diagnostic): string {
  const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.column}: ` : ''
  return `  ${where}${d.severity} ${d.code}${d.object ? ` (${d.object})` : ''}: ${d.message}`
}

function summary(result: SpireImport, out: string, file: string): string {
  const count = (kind: string) => result.repository.objects.filter((o) => o.kind === kind).length
  const lines = [
    `imported ${result.entries} SPIRE entries from ${file} (${SHAPE_LABEL[result.shape]}) into ${out}:`,
    `  trust domain ${result.repository.trustDomain}: ${count('Node')} Node, ${count('Entry')} Entry, ` +
      `${count('FederationBundle')} FederationBundle object(s) in ${result.repository.files.length} file(s)`,
  ]
  if (count('FederationBundle') > 0) {
    lines.push(
      '  federation.yaml has guessed bundle endpoints: replace them with the real ones (see the TODO comments)',
    )
  }
  if (result.waivers.size > 0) {
    lines.push(`  waived built-in policy errors (review them before the waivers expire):`)
    for (const [object, rules] of result.waivers) lines.push(`    ${object}: ${rules.join(', ')}`)
  }
  return `${lines.join('\n')}\n`
}

async function runImport(file: string, flags: ImportFlags): Promise<number> {
  const text = await readInput(file)
  const result = convertSpireFile(text, file, {
    builtinPolicies: await readBuiltinPolicies(),
    todayMs: systemClock.now(),
    waiverDays: flags.waiverDays,
  })
  if (!result.ok) {
    process.stderr.write(`sigil import spire: ${file} cannot be imported:\n`)
    for (const d of result.diagnostics)
      process.stderr.write(`  ${d.code} at ${d.path || '/'}: ${d.message}\n`)
    return EXIT.failure
  }
  await writeRepository(flags.out, result.value.repository.files, flags.force === true)
  process.stderr.write(summary(result.value, flags.out, file))
  if (result.value.lint.length === 0) return EXIT.ok
  process.stderr.write(
    `sigil lint ${flags.out} reports ${result.value.lint.length} finding(s) in the imported data:\n`,
  )
  for (const d of result.value.lint) process.stderr.write(`${formatProblem(d)}\n`)
  return hasErrors(result.value.lint) ? EXIT.failure : EXIT.ok
}

function days(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 366)
    throw new InvalidArgumentError('a whole number of days from 0 to 366')
  return n
}

/** Registers `sigil import spire`. */
export function register(program: Command): void {
  const group = program.command('import').description('migrate registration entries from another system')
  group
    .command('spire')
    .description(
      "convert SPIRE's entry JSON (`entry create -data` or `entry show -output json`) to repository YAML",
    )
    .argument('<file>', 'the JSON file, or - for standard input')
    .option('--out <dir>', 'directory to write the repository to', 'sigil-import')
    .option(
      '--waiver-days <n>',
      'waive the built-in policy errors of imported entries for this many days (0: no waivers)',
      days,
      30,
    )
    .option('--force', 'write into --out even when it already holds YAML files (overwrites same-named files)')
    .addHelpText(
      'after',
      '\nExit codes: 0 imported and lints clean, 1 input rejected or lint errors remain, 2 usage error.',
    )
    .action(action((file: string, flags: ImportFlags) => runImport(file, flags)))
}
