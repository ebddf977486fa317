/**
 * Fetched foreign bundles on PostgreSQL, sharing the registration store's pool. Writes notify the
 * schema's channel, so follower replicas (their node store's data version) notice the leader's fetches.
 */
import type pg from 'pg'
import {
  FOREIGN_BUNDLE_COLUMNS,
  foreignBundleFromRow,
  foreignBundleValues,
  foreignBundleVersionFromRow,
  rowAfterFailure,
  rowAfterSuccess,
  type ForeignBundleHistoryRow,
  type ForeignBundleRow,
} from '../foreign-bundle-rows.js'
import {
  FOREIGN_BUNDLE_HISTORY_LIMIT,
  type FetchFailureRecord,
  type FetchSuccessRecord,
  type ForeignBundleState,
  type ForeignBundleStore,
  type ForeignBundleVersion,
} from '../foreign-bundle-store.js'
import type { PostgresDatabase } from './database.js'

const UPSERT = `INSERT INTO foreign_bundles (${FOREIGN_BUNDLE_COLUMNS.join(', ')})
  VALUES (${FOREIGN_BUNDLE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (trust_domain) DO UPDATE SET ${FOREIGN_BUNDLE_COLUMNS.slice(1)
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ')}`

/** The foreign bundle store on `db` (a migrated registration store's database); closing leaves the pool open. */
export function openPostgresForeignBundleStore(db: PostgresDatabase): ForeignBundleStore {
  return new PostgresForeignBundleStore(db)
}

class PostgresForeignBundleStore implements ForeignBundleStore {
  constructor(private readonly db: PostgresDatabase) {}

  private async current(c: pg.ClientBase, trustDomain: string): Promise<ForeignBundleRow | undefined> {
    const res = await c.query<ForeignBundleRow>(
      'SELECT * FROM foreign_bundles WHERE trust_domain = $1 FOR UPDATE',
      [trustDomain],
    )
    return res.rows[0]
  }

  private notify(c: pg.ClientBase): Promise<unknown> {
    return c.query('SELECT pg_notify($1, $2)', [this.db.channel, 'foreign-bundles'])
  }

  async listForeignBundles(): Promise<readonly ForeignBundleState[]> {
    const res = await this.db.query<ForeignBundleRow>('SELECT * FROM foreign_bundles ORDER BY trust_domain')
    return res.rows.map(foreignBundleFromRow)
  }

  recordFetchSuccess(r: FetchSuccessRecord): Promise<boolean> {
    return this.db.transaction(async (c) => {
      const { row, changed } = rowAfterSuccess(await this.current(c, r.trustDomain), r)
      await c.query(UPSERT, foreignBundleValues(row))
      if (changed) {
        await c.query(
          'INSERT INTO foreign_bundle_history (trust_domain, sequence, digest, bundle_json, fetched_at_ms, endpoint_url) VALUES ($1, $2, $3, $4, $5, $6)',
          [r.trustDomain, r.sequence, r.digest, r.bundleJson, r.atMs, r.endpointUrl],
        )
        await c.query(
          'DELETE FROM foreign_bundle_history WHERE trust_domain = $1 AND id NOT IN (SELECT id FROM foreign_bundle_history WHERE trust_domain = $1 ORDER BY id DESC LIMIT $2)',
          [r.trustDomain, FOREIGN_BUNDLE_HISTORY_LIMIT],
        )
        await this.notify(c)
      }
      return changed
    })
  }

  recordFetchFailure(r: FetchFailureRecord): Promise<void> {
    return this.db.transaction(async (c) => {
      const row = rowAfterFailure(await this.current(c, r.trustDomain), r)
      await c.query(UPSERT, foreignBundleValues(row))
    })
  }

  removeForeignBundle(trustDomain: string): Promise<boolean> {
    return this.db.transaction(async (c) => {
      const res = await c.query('DELETE FROM foreign_bundles WHERE trust_domain = $1', [trustDomain])
      if ((res.rowCount ?? 0) === 0) return false
      await this.notify(c)
      return true
    })
  }

  async countForeignBundleVersions(): Promise<ReadonlyMap<string, number>> {
    const res = await this.db.query<{ trust_domain: string; n: number }>(
      'SELECT trust_domain, count(*)::int AS n FROM foreign_bundle_history GROUP BY trust_domain',
    )
    return new Map(res.rows.map((r) => [r.trust_domain, r.n]))
  }

  async listForeignBundleHistory(trustDomain: string): Promise<readonly ForeignBundleVersion[]> {
    const res = await this.db.query<ForeignBundleHistoryRow>(
      'SELECT * FROM foreign_bundle_history WHERE trust_domain = $1 ORDER BY id DESC',
      [trustDomain],
    )
    return res.rows.map(foreignBundleVersionFromRow)
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}
