/** `sigil entry list|show`: the registration entries in the store, managed and unmanaged. */
import { type Command, Option } from 'commander'
import type { LiveEntry } from '../../plan/types.js'
import type { RegistrationStore } from '../../store/registration-store.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { stylerFor } from '../output.js'
import { addStoreOptions, type StoreFlags, withStore } from '../store-options.js'

type EntryFormat = 'text' | 'json' | 'yaml'
const FORMATS: readonly EntryFormat[] = ['text', 'json', 'yaml']

interface EntryFlags extends StoreFlags {
  readonly format: EntryFormat
  readonly spiffeId?: string
  readonly parentId?: string
}

interface Shown extends LiveEntry {
  /** True when the ID carries the trust domain's ownership prefix. */
  readonly managed: boolean
}

const DEFAULT_PREFIX = 'sigil.'

async function ownershipPrefix(store: RegistrationStore): Promise<string> {
  return (await store.readLiveState()).trustDomainSettings?.entryIdPrefix ?? DEFAULT_PREFIX
}

async function allEntries(store: RegistrationStore, flags: EntryFlags): Promise<LiveEntry[]> {
  const out: LiveEntry[] = []
  let pageToken = ''
  do {
    const page = await store.listEntries({
      pageSize: 10_000,
      ...(pageToken ? { pageToken } : {}),
      ...(flags.spiffeId === undefined ? {} : { bySpiffeId: flags.spiffeId }),
      ...(flags.parentId === undefined ? {} : { byParentId: flags.parentId }),
    })
    out.push(...page.items)
    pageToken = page.nextPageToken
  } while (pageToken)
  return out
}

function textOf(e: Shown): string {
  const style = stylerFor(process.stdout)
  const lines: [string, string][] = [
    ['Entry ID', `${e.id}${e.managed ? '' : ' (unmanaged)'}`],
    ['Name', e.name],
    ['Kind', e.kind],
    ['SPIFFE ID', e.spiffeId],
    ['Parent ID', e.parentId],
    ['Revision', String(e.revisionNumber)],
    ['X509-SVID TTL', e.x509SvidTtlSeconds ? `${e.x509SvidTtlSeconds}s` : 'default'],
    ['JWT-SVID TTL', e.jwtSvidTtlSeconds ? `${e.jwtSvidTtlSeconds}s` : 'default'],
    ...e.selectors.map((s): [string, string] => ['Selector', s]),
    ...e.dnsNames.map((d): [string, string] => ['DNS name', d]),
    ...e.federatesWith.map((f): [string, string] => ['Federates with', f]),
    ...e.roles.map((r): [string, string] => ['Role', r]),
  ]
  if (e.hint) lines.push(['Hint', e.hint])
  if (e.admin) lines.push(['Admin', 'true'])
  if (e.downstream) lines.push(['Downstream', 'true'])
  if (e.protect) lines.push(['Protect', 'true'])
  if (e.expiresAt) lines.push(['Expires at', new Date(e.expiresAt * 1000).toISOString()])
  if (e.sourceFile)
    lines.push(['Source', `${e.sourceFile}${e.sourceCommit ? ` @ ${e.sourceCommit.slice(0, 12)}` : ''}`])
  return lines.map(([k, v]) => `${style.bold(k.padEnd(15))}: ${v}`).join('\n') + '\n'
}

async function render(entries: Shown[], format: EntryFormat, single: boolean): Promise<string> {
  if (format === 'json') return JSON.stringify(single ? entries[0] : { entries }, null, 2) + '\n'
  if (format === 'yaml') return (await import('yaml')).stringify(single ? entries[0] : { entries })
  const managed = entries.filter((e) => e.managed).length
  const body = entries.map(textOf).join('\n')
  return single
    ? body
    : `${body}${body ? '\n' : ''}${entries.length} entries (${managed} managed, ${entries.length - managed} unmanaged)\n`
}

async function list(flags: EntryFlags): Promise<number> {
  return withStore(flags, { create: false }, async (store) => {
    const prefix = await ownershipPrefix(store)
    const entries = (await allEntries(store, flags)).map((e) => ({ ...e, managed: e.id.startsWith(prefix) }))
    process.stdout.write(await render(entries, flags.format, false))
    return EXIT.ok
  })
}

async function show(id: string, flags: EntryFlags): Promise<number> {
  return withStore(flags, { create: false }, async (store) => {
    const prefix = await ownershipPrefix(store)
    const entry = await store.fetchEntry(id)
    if (!entry)
      throw new CliExit(
        EXIT.failure,
        `no entry with id ${id} (sigil entry list --spiffe-id finds entries by SPIFFE ID)`,
      )
    process.stdout.write(
      await render([{ ...entry, managed: entry.id.startsWith(prefix) }], flags.format, true),
    )
    return EXIT.ok
  })
}

const formatOption = () => new Option('--format <format>', 'output format').choices(FORMATS).default('text')

export function register(program: Command): void {
  const entry = program.command('entry').description('look at the registration entries in the store')
  addStoreOptions(
    entry
      .command('list')
      .description('list entries (managed and unmanaged), sorted by ID')
      .option('--spiffe-id <id>', 'only entries with this SPIFFE ID')
      .option('--parent-id <id>', 'only entries with this parent ID'),
  )
    .addOption(formatOption())
    .action(action((flags: EntryFlags) => list(flags)))
  addStoreOptions(entry.command('show').description('show one entry').argument('<id>', 'entry ID'))
    .addOption(formatOption())
    .action(action((id: string, flags: EntryFlags) => show(id, flags)))
}
