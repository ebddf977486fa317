/**
 * Store selection for every command that needs live state: `--data-dir D` (default ./.sigil, store at
 * D/sigil.db) or `--store S`. Later kinds (a PostgreSQL URL, a server's admin socket) plug in here.
 */
import { chmodSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Command } from 'commander'
import { cryptoRandom } from '../platform/crypto-random.js'
import { systemClock } from '../platform/system-clock.js'
import { openAdminClientStore } from '../store/admin-client-store.js'
import { POSTGRES_URL } from '../store/postgres/database.js'
import { openPostgresStore } from '../store/postgres-store.js'
import type { RegistrationStore } from '../store/registration-store.js'
import { openSqliteStore } from '../store/sqlite-store.js'
import { CliExit, EXIT } from './exit.js'

export const DEFAULT_DATA_DIR = '.sigil'

export interface StoreFlags {
  readonly dataDir?: string
  readonly store?: string
}

/** Adds `--data-dir` and `--store` to a command. */
export function addStoreOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', `data directory; the store is <dir>/sigil.db (default ${DEFAULT_DATA_DIR})`)
    .option(
      '--store <store>',
      'registration store: a SQLite file path, postgres://user@host/db[?schema=s], or unix:///path/admin.sock of a running server (overrides --data-dir)',
    )
}

/** The data directory (for caches such as Git clones), whether or not `--store` points elsewhere. */
export function dataDirOf(flags: StoreFlags): string {
  return resolve(flags.dataDir ?? DEFAULT_DATA_DIR)
}

/** Creates `dir` (and parents) with mode 0700 when it does not exist. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
}

/**
 * Opens the selected store. `create` makes the data directory (0700) and a new store when missing;
 * read-only commands leave it false and get ERR_STORE_NOT_FOUND instead.
 */
export function openStoreFromFlags(flags: StoreFlags, options: { create: boolean }): RegistrationStore {
  const deps = { clock: systemClock, random: cryptoRandom }
  const target = flags.store
  // a running server's admin socket (engine/api/admin-server.ts)
  if (target !== undefined && /^unix:/i.test(target)) return openAdminClientStore(target)
  // a PostgreSQL database shared by server replicas (engine/store/postgres-store.ts)
  if (target !== undefined && POSTGRES_URL.test(target)) {
    try {
      return openPostgresStore(target, deps, { create: options.create, maxConnections: 2 })
    } catch (err) {
      if (err instanceof TypeError) throw new CliExit(EXIT.failure, `--store: ${err.message}`)
      throw err
    }
  }
  if (target !== undefined && /^(postgres(ql)?|unix|https?):/i.test(target)) {
    throw new CliExit(
      EXIT.failure,
      `--store ${target.split(':')[0]}: is not supported yet; use a SQLite file path`,
    )
  }
  const path = target !== undefined ? resolve(target) : join(dataDirOf(flags), 'sigil.db')
  if (options.create) {
    if (target === undefined) ensurePrivateDir(dataDirOf(flags))
    else mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  }
  return openSqliteStore(path, deps, { create: options.create })
}

/** Runs `body` with an open store and always closes it. */
export async function withStore<T>(
  flags: StoreFlags,
  options: { create: boolean },
  body: (store: RegistrationStore) => Promise<T>,
): Promise<T> {
  const store = openStoreFromFlags(flags, options)
  try {
    return await body(store)
  } finally {
    await store.close()
  }
}
