/** `sigil export spire`: an identity repository or the live store → SPIRE's `entry create -data` JSON. */
import { rename, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { hasErrors } from '../../core/diagnostics.js'
import { parseModel } from '../../model/parse-model.js'
import { readDirectory } from '../../source/read-directory.js'
import {
  formatEntryCreateData,
  spireEntriesFromDesired,
  spireEntriesFromLive,
} from '../../spire/export-entries.js'
import type { SpireEntry } from '../../spire/spire-entry.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { addStoreOptions, withStore, type StoreFlags } from '../store-options.js'

interface ExportFlags extends StoreFlags {
  readonly out?: string
  readonly path?: string
}

async function fromRepository(dir: string, path: string | undefined): Promise<SpireEntry[]> {
  const snapshot = await readDirectory(dir, path === undefined ? {} : { path })
  const model = parseModel(snapshot)
  // a document that fails its schema is left out of the model: exporting without it would drop entries
  const broken = model.diagnostics.filter((d) => d.severity === 'error')
  if (hasErrors(broken)) {
    const where = broken.map(
      (d) => `  ${d.span ? `${d.span.file}:${d.span.line}: ` : ''}${d.code}: ${d.message}`,
    )
    throw new CliExit(
      EXIT.failure,
      `${dir} has documents that do not parse; fix them first:\n${where.join('\n')}`,
    )
  }
  const entries = spireEntriesFromDesired(model.desired)
  if (!entries.ok) {
    const where = entries.diagnostics.map((d) => `  ${d.object ?? ''}: ${d.message}`)
    throw new CliExit(EXIT.failure, `cannot export ${dir}:\n${where.join('\n')}`)
  }
  return entries.value
}

async function write(text: string, out: string | undefined): Promise<void> {
  if (out === undefined || out === '-') {
    process.stdout.write(text)
    return
  }
  const target = resolve(out)
  const tmp = `${target}.tmp-${process.pid}`
  await writeFile(tmp, text)
  await rename(tmp, target)
}

async function runExport(dir: string | undefined, flags: ExportFlags): Promise<number> {
  const fromStore = flags.store !== undefined || flags.dataDir !== undefined
  if (fromStore && dir !== undefined) {
    throw new CliExit(EXIT.other, 'give either a repository DIR or --store/--data-dir, not both')
  }
  const entries = fromStore
    ? await withStore(flags, { create: false }, async (store) =>
        spireEntriesFromLive(await store.readLiveState()),
      )
    : await fromRepository(dir ?? '.', flags.path)
  await write(formatEntryCreateData(entries), flags.out)
  if (flags.out !== undefined && flags.out !== '-') {
    process.stderr.write(`exported ${entries.length} entries to ${flags.out}\n`)
  }
  return EXIT.ok
}

/** Registers `sigil export spire`. */
export function register(program: Command): void {
  const group = program.command('export').description('write registration entries for another system')
  addStoreOptions(
    group
      .command('spire')
      .description(
        "write SPIRE's `entry create -data` JSON from a repository DIR (default .) or from the store",
      )
      .argument('[dir]', 'identity repository directory (default: the current directory)')
      .option('--path <path>', 'only read YAML under this sub-directory of DIR')
      .option('--out <file>', 'write to FILE instead of standard output'),
  )
    .addHelpText(
      'after',
      '\nWith --store or --data-dir the live store is exported (entry IDs kept); otherwise the repository.' +
        '\nLoad the result with: spire-server entry create -data FILE',
    )
    .action(action((dir: string | undefined, flags: ExportFlags) => runExport(dir, flags)))
}
