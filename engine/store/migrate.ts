/** Forward-only schema migrations, tracked in `PRAGMA user_version`. */
import type Database from 'better-sqlite3'
import { StoreMigrationError } from './errors.js'
import type { Migration } from './migrations/index.js'

/**
 * Brings `db` to the last of `migrations` (or to `targetVersion`), each step in its own transaction.
 * Returns the versions applied. Refuses a database newer than the code (ERR_STORE_MIGRATION).
 */
export function migrateDatabase(
  db: Database.Database,
  migrations: readonly Migration[],
  targetVersion?: number,
): number[] {
  const latest = migrations.at(-1)?.version ?? 0
  const target = targetVersion ?? latest
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new TypeError(`migration ${m.name} has version ${m.version}, expected ${i + 1}`)
  })
  const applied: number[] = []
  // IMMEDIATE: two processes opening a fresh store at once must not both run step 1
  const step = db.transaction((m: Migration) => {
    if (currentVersion(db) !== m.version - 1) return false
    db.exec(m.sql)
    db.pragma(`user_version = ${m.version}`)
    return true
  })
  const current = currentVersion(db)
  if (current > latest) {
    throw new StoreMigrationError(
      `store schema version ${current} is newer than this sigil supports (${latest})`,
      {
        current,
        latest,
      },
    )
  }
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue
    try {
      if (step.immediate(m)) applied.push(m.version)
    } catch (err) {
      throw new StoreMigrationError(`migration ${m.version} (${m.name}) failed`, { version: m.version }, err)
    }
  }
  return applied
}

/** The schema version recorded in the database (0 = empty). */
export function currentVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number
}
