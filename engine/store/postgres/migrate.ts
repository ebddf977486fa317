/** Forward-only schema migrations on PostgreSQL, tracked in `schema_version` (the SQLite twin uses user_version). */
import type pg from 'pg'
import { StoreCorruptError, StoreMigrationError } from '../errors.js'
import type { Migration } from '../migrations/index.js'
import type { PostgresDatabase } from './database.js'

// transaction-level lock: replicas starting together run each step once, one after the other
const MIGRATION_LOCK = 'sigil-migrate'

/** The schema version recorded in `client`'s schema (0 = empty). */
export async function currentPgVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null; m: string | null }>(
    "SELECT to_regclass('schema_version')::text AS t, to_regclass('meta')::text AS m",
  )
  const row = exists.rows[0]
  if (!row?.t) {
    if (row?.m)
      throw new StoreCorruptError('the schema has a meta table but no schema_version: not a sigil store')
    return 0
  }
  const res = await client.query<{ version: number }>('SELECT version FROM schema_version')
  return res.rows[0]?.version ?? 0
}

/**
 * Brings the database to the last of `migrations` (or `targetVersion`), each step in its own
 * transaction. Returns the versions applied; refuses a schema newer than the code (ERR_STORE_MIGRATION).
 */
export async function migratePostgres(
  db: PostgresDatabase,
  migrations: readonly Migration[],
  targetVersion?: number,
): Promise<number[]> {
  const latest = migrations.at(-1)?.version ?? 0
  const target = targetVersion ?? latest
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new TypeError(`migration ${m.name} has version ${m.version}, expected ${i + 1}`)
  })
  const applied: number[] = []
  for (const m of migrations) {
    if (m.version > target) break
    const ran = await db
      .transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext(current_schema()))', [
          MIGRATION_LOCK,
        ])
        const current = await currentPgVersion(client)
        if (current > latest) {
          throw new StoreMigrationError(
            `store schema version ${current} is newer than this sigil supports (${latest})`,
            { current, latest },
          )
        }
        if (current !== m.version - 1) return false
        await client.query(m.sql)
        if (m.version === 1) await client.query('CREATE TABLE schema_version (version INTEGER NOT NULL)')
        await client.query('DELETE FROM schema_version')
        await client.query('INSERT INTO schema_version (version) VALUES ($1)', [m.version])
        return true
      })
      .catch((err: unknown) => {
        if (err instanceof StoreMigrationError || err instanceof StoreCorruptError) throw err
        if ((err as { code?: string }).code === 'ERR_STORE_UNAVAILABLE') throw err
        throw new StoreMigrationError(
          `migration ${m.version} (${m.name}) failed`,
          { version: m.version },
          err,
        )
      })
    if (ran) applied.push(m.version)
  }
  return applied
}
