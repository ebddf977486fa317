/**
 * Fetched foreign bundles on the registration store's SQLite file, through a connection of its own
 * (WAL allows it). Open the registration store first: it runs the migration that made the tables.
 */
import Database from 'better-sqlite3'
import { StoreMigrationError, StoreUnavailableError } from './errors.js'
import {
  FOREIGN_BUNDLE_COLUMNS,
  foreignBundleFromRow,
  foreignBundleValues,
  foreignBundleVersionFromRow,
  rowAfterFailure,
  rowAfterSuccess,
  type ForeignBundleHistoryRow,
  type ForeignBundleRow,
} from './foreign-bundle-rows.js'
import {
  FOREIGN_BUNDLE_HISTORY_LIMIT,
  type FetchFailureRecord,
  type FetchSuccessRecord,
  type ForeignBundleState,
  type ForeignBundleStore,
  type ForeignBundleVersion,
} from './foreign-bundle-store.js'

/** Schema version that created the foreign bundle tables (migrations/005-foreign-bundles.ts). */
export const FOREIGN_BUNDLES_SCHEMA_VERSION = 5

const UPSERT = `INSERT OR REPLACE INTO foreign_bundles (${FOREIGN_BUNDLE_COLUMNS.join(', ')}) VALUES (${FOREIGN_BUNDLE_COLUMNS.map(() => '?').join(', ')})`

/**
 * Opens the foreign bundle store in the SQLite file at `path` (an existing, migrated store).
 * @example const bundles = openSqliteForeignBundleStore('.sigil/sigil.db')
 */
export function openSqliteForeignBundleStore(path: string): ForeignBundleStore {
  let db: Database.Database
  try {
    db = new Database(path, { fileMustExist: true })
  } catch (err) {
    throw new StoreUnavailableError(`cannot open registration store ${path}`, err)
  }
  db.pragma('busy_timeout = 10000')
  const version = db.pragma('user_version', { simple: true }) as number
  if (version < FOREIGN_BUNDLES_SCHEMA_VERSION) {
    db.close()
    throw new StoreMigrationError(`store schema version ${version} has no foreign bundle tables`, {
      current: version,
    })
  }
  return new SqliteForeignBundleStore(db)
}

class SqliteForeignBundleStore implements ForeignBundleStore {
  private closed = false

  constructor(private readonly db: Database.Database) {}

  private run<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('foreign bundle store is closed'))
    try {
      return Promise.resolve(fn())
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (typeof code === 'string' && code.startsWith('SQLITE_BUSY'))
        return Promise.reject(
          new StoreUnavailableError('registration store is locked by another process', err),
        )
      return Promise.reject(err)
    }
  }

  private current(trustDomain: string): ForeignBundleRow | undefined {
    return this.db.prepare('SELECT * FROM foreign_bundles WHERE trust_domain = ?').get(trustDomain) as
      ForeignBundleRow | undefined
  }

  listForeignBundles(): Promise<readonly ForeignBundleState[]> {
    return this.run(() =>
      (
        this.db.prepare('SELECT * FROM foreign_bundles ORDER BY trust_domain').all() as ForeignBundleRow[]
      ).map(foreignBundleFromRow),
    )
  }

  recordFetchSuccess(r: FetchSuccessRecord): Promise<boolean> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const { row, changed } = rowAfterSuccess(this.current(r.trustDomain), r)
          this.db.prepare(UPSERT).run(...foreignBundleValues(row))
          if (changed) {
            this.db
              .prepare(
                'INSERT INTO foreign_bundle_history (trust_domain, sequence, digest, bundle_json, fetched_at_ms, endpoint_url) VALUES (?, ?, ?, ?, ?, ?)',
              )
              .run(r.trustDomain, r.sequence, r.digest, r.bundleJson, r.atMs, r.endpointUrl)
            this.db
              .prepare(
                'DELETE FROM foreign_bundle_history WHERE trust_domain = ? AND id NOT IN (SELECT id FROM foreign_bundle_history WHERE trust_domain = ? ORDER BY id DESC LIMIT ?)',
              )
              .run(r.trustDomain, r.trustDomain, FOREIGN_BUNDLE_HISTORY_LIMIT)
          }
          return changed
        })
        .immediate(),
    )
  }

  recordFetchFailure(r: FetchFailureRecord): Promise<void> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const row = rowAfterFailure(this.current(r.trustDomain), r)
          this.db.prepare(UPSERT).run(...foreignBundleValues(row))
        })
        .immediate(),
    )
  }

  removeForeignBundle(trustDomain: string): Promise<boolean> {
    return this.run(
      () =>
        this.db.prepare('DELETE FROM foreign_bundles WHERE trust_domain = ?').run(trustDomain).changes > 0,
    )
  }

  countForeignBundleVersions(): Promise<ReadonlyMap<string, number>> {
    return this.run(() => {
      const rows = this.db
        .prepare('SELECT trust_domain, count(*) AS n FROM foreign_bundle_history GROUP BY trust_domain')
        .all() as { trust_domain: string; n: number }[]
      return new Map(rows.map((r) => [r.trust_domain, r.n]))
    })
  }

  listForeignBundleHistory(trustDomain: string): Promise<readonly ForeignBundleVersion[]> {
    return this.run(() =>
      (
        this.db
          .prepare('SELECT * FROM foreign_bundle_history WHERE trust_domain = ? ORDER BY id DESC')
          .all(trustDomain) as ForeignBundleHistoryRow[]
      ).map(foreignBundleVersionFromRow),
    )
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      this.db.close()
    }
    return Promise.resolve()
  }
}
