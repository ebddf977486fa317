/**
 * `sigil revoke SPIFFE_ID --reason TEXT [--for D]`, `sigil revoke --lift SPIFFE_ID`,
 * `sigil revoke --list`: emergency revocation on the store (`--data-dir`, `--store FILE`) or through a
 * running server (`--store unix:///…/admin.sock`). A revocation is kept apart from the entries Git
 * manages, so reconcile never heals it; the server mints nothing for the ID and agents drop it.
 */
import type { Command } from 'commander'
import { parseDurationMs } from '../../core/duration.js'
import type { NodeAdmin, Revocation } from '../../store/node-store.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { addStoreOptions, type StoreFlags } from '../store-options.js'
import { cliActor, openNodeAdminFromFlags } from './agent-admin.js'

interface RevokeFlags extends StoreFlags {
  reason?: string
  for?: string
  lift?: boolean
  list?: boolean
  all?: boolean
  format: string
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString())

/** One revocation per paragraph, for `sigil revoke --list` and `sigil status`. */
export function revocationsText(revocations: readonly Revocation[]): string {
  if (revocations.length === 0) return 'no revocations\n'
  return revocations
    .map(
      (r) =>
        `${r.spiffeId}\n  reason: ${r.reason}\n  by: ${r.actor} at ${iso(r.createdAtMs)}  expires: ${iso(r.expiresAtMs)}` +
        (r.liftedAtMs === null ? '' : `\n  lifted: ${iso(r.liftedAtMs)} by ${r.liftedBy ?? '-'}`) +
        '\n',
    )
    .join('')
}

async function withAdmin<T>(flags: StoreFlags, body: (admin: NodeAdmin) => Promise<T>): Promise<T> {
  const admin = await openNodeAdminFromFlags(flags)
  try {
    return await body(admin)
  } finally {
    await admin.close()
  }
}

function usage(message: string): never {
  throw new CliExit(EXIT.other, message)
}

async function list(opts: RevokeFlags): Promise<number> {
  const items = await withAdmin(opts, (admin) => admin.listRevocations({ activeOnly: !opts.all }))
  process.stdout.write(
    opts.format === 'json' ? JSON.stringify({ revocations: items }, null, 2) + '\n' : revocationsText(items),
  )
  return EXIT.ok
}

async function lift(spiffeId: string, opts: RevokeFlags): Promise<number> {
  const lifted = await withAdmin(opts, (admin) => admin.liftRevocation({ spiffeId, actor: cliActor() }))
  if (opts.format === 'json') process.stdout.write(JSON.stringify({ lifted }, null, 2) + '\n')
  else if (lifted.length === 0) process.stdout.write(`no active revocation of ${spiffeId}\n`)
  else process.stdout.write(`lifted ${spiffeId}\n`)
  return EXIT.ok
}

async function revoke(spiffeId: string, opts: RevokeFlags): Promise<number> {
  if (opts.reason === undefined || opts.reason.trim() === '') usage('--reason is required')
  let forMs: number | undefined
  if (opts.for !== undefined) {
    forMs = parseDurationMs(opts.for)
    if (forMs === undefined || forMs <= 0) usage(`--for: not a positive duration: ${opts.for}`)
  }
  const revocation = await withAdmin(opts, (admin) =>
    admin.revokeIdentity({
      spiffeId,
      reason: opts.reason as string,
      actor: cliActor(),
      ...(forMs !== undefined ? { forMs } : {}),
    }),
  )
  if (opts.format === 'json') process.stdout.write(JSON.stringify({ revocation }, null, 2) + '\n')
  else
    process.stdout.write(
      `revoked ${spiffeId} until ${revocation.expiresAtMs === null ? 'lifted' : iso(revocation.expiresAtMs)}\n`,
    )
  return EXIT.ok
}

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('revoke')
      .argument('[spiffe-id]', 'the SPIFFE ID to block (or to lift with --lift)')
      .description(
        'emergency revocation: the server mints nothing more for the ID and agents drop it, across reconciles, until lifted or expired',
      )
      .option('--reason <text>', 'why (required to revoke; recorded in the audit log)')
      .option('--for <duration>', 'expire the revocation after this long, e.g. 2h (default: until lifted)')
      .option('--lift', 'lift the active revocations of the SPIFFE ID')
      .option('--list', 'list active revocations')
      .option('--all', 'with --list: include lifted and expired ones')
      .option('--format <format>', 'text or json', 'text'),
  ).action(
    action(async (spiffeId: string | undefined, opts: RevokeFlags) => {
      if (opts.list) {
        if (spiffeId !== undefined || opts.lift) usage('--list takes no SPIFFE ID and no --lift')
        return list(opts)
      }
      if (spiffeId === undefined) usage('a SPIFFE ID is required (or --list)')
      return opts.lift ? lift(spiffeId, opts) : revoke(spiffeId, opts)
    }),
  )
}
