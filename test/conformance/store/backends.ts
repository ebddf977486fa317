/**
 * The store backends the conformance suite runs against: SQLite files in a tmpdir and PostgreSQL
 * schemas in a database created for this run (dropped afterwards). Each test gets a fresh store.
 */
import { describe } from 'vitest'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { MIGRATIONS } from '../../../engine/store/migrations/index.js'
import { PG_MIGRATIONS } from '../../../engine/store/postgres/migrations/index.js'
import type { ForeignBundleStore } from '../../../engine/store/foreign-bundle-store.js'
import type { NodeStore } from '../../../engine/store/node-store.js'
import { openPostgresForeignBundleStore } from '../../../engine/store/postgres/foreign-bundles.js'
import { openPostgresNodeStore } from '../../../engine/store/postgres/nodes.js'
import { openPostgresStore, type PostgresRegistrationStore } from '../../../engine/store/postgres-store.js'
import type { RegistrationStore } from '../../../engine/store/registration-store.js'
import { openSqliteForeignBundleStore } from '../../../engine/store/sqlite-foreign-bundles.js'
import { openSqliteNodeStore } from '../../../engine/store/sqlite-nodes.js'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'

/** One store location, opened as many times as a test needs (each open is another connection). */
export interface StoreHandle {
  /** Opens the store (creating it when asked), optionally migrated only up to schema version `upTo`. */
  open(options?: { create?: boolean; upTo?: number }): Promise<RegistrationStore>
  /** The node store beside `store` (an open registration store of this location). */
  openNodes(store: RegistrationStore): Promise<NodeStore>
  /** The fetched foreign bundle store beside `store`. */
  openForeignBundles(store: RegistrationStore): Promise<ForeignBundleStore>
  /** Raw SQL as someone with database access would run it (append-only triggers disabled). */
  tamper(sql: string): Promise<void>
  /** First column of every row of a raw query. */
  column(sql: string): Promise<unknown[]>
  /** The recorded schema version. */
  schemaVersion(): Promise<number>
  setSchemaVersion(version: number): Promise<void>
}

export interface StoreBackend {
  readonly name: string
  /** Called once before the suite; false (with a reason) when the backend is not reachable. */
  setup(): Promise<void>
  teardown(): Promise<void>
  /** A fresh, not yet created location. */
  location(): StoreHandle
}

const deps = () => ({ clock: new FakeClock(), random: seededRandom(7) })

/** SQLite files in a temporary directory. */
export function sqliteBackend(): StoreBackend {
  let dir = ''
  let n = 0
  const raw = <T>(path: string, fn: (db: Database.Database) => T): T => {
    const db = new Database(path)
    try {
      return fn(db)
    } finally {
      db.close()
    }
  }
  return {
    name: 'sqlite',
    async setup() {
      dir = mkdtempSync(join(tmpdir(), 'sigil-conformance-'))
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true })
    },
    location() {
      const path = join(dir, `store-${++n}.db`)
      return {
        open: async (o = {}) =>
          openSqliteStore(path, deps(), {
            ...(o.create ? { create: true } : {}),
            ...(o.upTo ? { migrations: MIGRATIONS.slice(0, o.upTo) } : {}),
          }),
        openNodes: async () => openSqliteNodeStore(path),
        openForeignBundles: async () => openSqliteForeignBundleStore(path),
        tamper: async (sql) =>
          raw(path, (db) => {
            db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;')
            db.exec(sql)
          }),
        column: async (sql) => raw(path, (db) => db.prepare(sql).pluck().all()),
        schemaVersion: async () => raw(path, (db) => db.pragma('user_version', { simple: true }) as number),
        setSchemaVersion: async (v) => raw(path, (db) => void db.pragma(`user_version = ${v}`)),
      }
    },
  }
}

/** Where the suite looks for PostgreSQL; a database of its own is created there for each run. */
export const POSTGRES_ADMIN_URL =
  process.env['SIGIL_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** True when PostgreSQL answers at `url` within a couple of seconds. */
export async function isPostgresReachable(url = POSTGRES_ADMIN_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** A throwaway database `sigil_test_<random>` on the server of `adminUrl`; `drop()` removes it. */
export async function createTestDatabase(
  adminUrl = POSTGRES_ADMIN_URL,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sigil_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}

/** PostgreSQL: one database for the run, one schema per location. */
export function postgresBackend(): StoreBackend {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  let n = 0
  const raw = async <T>(schema: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: database?.url, options: `-c search_path=${schema}` })
    await c.connect()
    try {
      return await fn(c)
    } finally {
      await c.end()
    }
  }
  return {
    name: 'postgres',
    async setup() {
      database = await createTestDatabase()
    },
    async teardown() {
      await database?.drop()
    },
    location() {
      const schema = `s${++n}_${randomBytes(3).toString('hex')}`
      const url = `${database?.url}?schema=${schema}`
      return {
        open: async (o = {}) => {
          const store = openPostgresStore(url, deps(), {
            ...(o.create ? { create: true } : {}),
            ...(o.upTo ? { migrations: PG_MIGRATIONS.slice(0, o.upTo) } : {}),
          })
          try {
            await store.whenReady()
          } catch (err) {
            await store.close()
            throw err
          }
          return store
        },
        openNodes: (store) =>
          openPostgresNodeStore((store as PostgresRegistrationStore).db, { clock: new FakeClock() }),
        openForeignBundles: async (store) =>
          openPostgresForeignBundleStore((store as PostgresRegistrationStore).db),
        tamper: (sql) =>
          raw(schema, async (c) => {
            await c.query('ALTER TABLE audit_log DISABLE TRIGGER USER')
            await c.query(sql)
          }),
        column: (sql) =>
          raw(schema, async (c) =>
            (await c.query({ text: sql, rowMode: 'array' })).rows.map((r: unknown[]) => r[0]),
          ),
        schemaVersion: () =>
          raw(schema, async (c) =>
            Number((await c.query('SELECT version FROM schema_version')).rows[0]?.version ?? 0),
          ),
        setSchemaVersion: (v) =>
          raw(schema, async (c) => void (await c.query('UPDATE schema_version SET version = $1', [v]))),
      }
    },
  }
}

/**
 * `describe` under `title` where PostgreSQL answers, else `describe.skip` under a title that says
 * loudly what was skipped (`what`) and where PostgreSQL was looked for.
 */
export async function postgresSuite(
  title: string,
  what: string,
): Promise<{ suite: typeof describe | typeof describe.skip; title: string }> {
  return (await isPostgresReachable())
    ? { suite: describe, title }
    : {
        suite: describe.skip,
        title: `!!! SKIPPED: ${what} — no PostgreSQL reachable at ${new URL(POSTGRES_ADMIN_URL).host} !!!`,
      }
}
