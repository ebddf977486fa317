/** `sigil audit list|verify`: the append-only, hash-chained record of every apply. */
import { type Command, InvalidArgumentError, Option } from 'commander'
import { parseDurationMs } from '../../core/duration.js'
import { systemClock } from '../../platform/system-clock.js'
import type { AuditRecord } from '../../store/registration-store.js'
import { action } from '../action.js'
import { EXIT } from '../exit.js'
import { stylerFor } from '../output.js'
import { addStoreOptions, type StoreFlags, withStore } from '../store-options.js'

interface ListFlags extends StoreFlags {
  readonly since?: number
  readonly format: 'text' | 'json'
}

function describeChange(c: Record<string, unknown>): string {
  const fields = Array.isArray(c['fields']) ? ` (${(c['fields'] as string[]).join(', ')})` : ''
  const id = c['id'] ? ` [${String(c['id'])}]` : ''
  return `${String(c['action'])} ${String(c['kind'])} ${String(c['name'])}${id}${fields}`
}

/** The text lines of one row: a `changes` row becomes one line per change. */
function describe(r: AuditRecord): string[] {
  const d = r.data
  if (r.event === 'apply') {
    const src = d['source'] as { repo?: string; commit?: string } | undefined
    const s = d['summary'] as { create?: number; update?: number; delete?: number } | undefined
    const commit = src?.commit ? `@${src.commit.slice(0, 12)}` : ''
    const plan = String(d['planDigest'] ?? '').slice(0, 12)
    return [
      `${src?.repo ?? ''}${commit} +${s?.create ?? 0} ~${s?.update ?? 0} -${s?.delete ?? 0} plan ${plan}`,
    ]
  }
  if (r.event === 'changes' && Array.isArray(d['changes'])) {
    return (d['changes'] as Record<string, unknown>[]).map(describeChange)
  }
  return [JSON.stringify(d)]
}

async function list(flags: ListFlags): Promise<number> {
  return withStore(flags, { create: false }, async (store) => {
    const sinceMs = flags.since === undefined ? undefined : systemClock.now() - flags.since
    const rows: AuditRecord[] = []
    let pageToken = ''
    do {
      const page = await store.listAuditRecords({
        pageSize: 10_000,
        ...(pageToken ? { pageToken } : {}),
        ...(sinceMs === undefined ? {} : { sinceMs }),
      })
      rows.push(...page.items)
      pageToken = page.nextPageToken
    } while (pageToken)
    if (flags.format === 'json') {
      process.stdout.write(JSON.stringify({ records: rows }, null, 2) + '\n')
      return EXIT.ok
    }
    const style = stylerFor(process.stdout)
    for (const r of rows) {
      const head = `${style.dim(String(r.seq).padStart(6))} ${new Date(r.atMs).toISOString()} r${r.revision} ${r.actor}`
      const event = r.event === 'changes' ? 'change' : r.event
      for (const line of describe(r)) process.stdout.write(`${head} ${style.bold(event)} ${line}\n`)
    }
    return EXIT.ok
  })
}

async function verify(flags: StoreFlags): Promise<number> {
  return withStore(flags, { create: false }, async (store) => {
    const result = await store.verifyAuditLog()
    if (result.ok) {
      process.stdout.write(`audit log intact: ${result.rows} rows, head ${result.headHash}\n`)
      return EXIT.ok
    }
    process.stderr.write(
      `sigil: audit log broken at row ${result.seq} (${result.problem}); ${result.rows} rows verified before it (ERR_STORE_CORRUPT)\n`,
    )
    return EXIT.failure
  })
}

function since(text: string): number {
  const ms = parseDurationMs(text)
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 90m, 24h or 7d')
  return ms
}

export function register(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log of every apply')
  addStoreOptions(audit.command('list').description('list audit rows, oldest first'))
    .option('--since <duration>', 'only rows newer than this (e.g. 7d)', since)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(action((flags: ListFlags) => list(flags)))
  addStoreOptions(
    audit.command('verify').description('check the hash chain; exit 1 when a row was edited or deleted'),
  ).action(action((flags: StoreFlags) => verify(flags)))
}
