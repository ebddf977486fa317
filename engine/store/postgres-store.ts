/**
 * The registration store on PostgreSQL (`--store postgres://…`): the same contract, schema versions
 * and audit chain as the SQLite store, safe for several processes (sigil server replicas) at once.
 * Opening is synchronous; the connection and migrations happen before the first call completes.
 */
import type { Clock } from '../core/clock.js'
import type { Random } from '../core/random.js'
import type { LiveState } from '../plan/types.js'
import { auditGenesisHash, auditRowHash } from './audit-chain.js'
import { StoreCorruptError, StoreNotFoundError } from './errors.js'
import type { Migration } from './migrations/index.js'
import { commitOnClient } from './postgres/commit.js'
import { PostgresDatabase, parsePostgresUrl } from './postgres/database.js'
import { readLiveStateChangesOn, readLiveStateOn } from './postgres/live-state.js'
import { currentPgVersion, migratePostgres } from './postgres/migrate.js'
import { PG_MIGRATIONS } from './postgres/migrations/index.js'
import type {
  AuditRecord,
  AuditVerification,
  CommitRequest,
  CommitResult,
  ListAuditRecordsRequest,
  ListEntriesRequest,
  LiveStateChanges,
  Page,
  RegistrationStore,
  StoreRevision,
  StoreStats,
} from './registration-store.js'
import {
  type AuditRow,
  type EntryRow,
  auditFromRow,
  decodePageToken,
  encodePageToken,
  entryFromRow,
} from './sqlite-rows.js'
import { verifyAuditRows } from './verify-audit.js'

export interface PostgresStoreDeps {
  readonly clock: Clock
  /** Mints the lineage of a new store. */
  readonly random: Random
}

export interface PostgresStoreOptions {
  /** Create the schema and tables when missing; default false (ERR_STORE_NOT_FOUND). */
  readonly create?: boolean
  /** For migration tests: the schema steps to run (default: all). */
  readonly migrations?: readonly Migration[]
  /** Pool size; default 8. */
  readonly maxConnections?: number
}

const MAX_PAGE = 10_000
const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'
const PREFIX_END = '\uffff'

/**
 * Opens the store at `url` (`postgres://user@host:5432/db?schema=sigil`). Connection problems
 * surface on the first call as ERR_STORE_UNAVAILABLE; `connectPostgresStore` waits for them.
 * @example const store = openPostgresStore('postgres://sigil@db/sigil', { clock, random }, { create: true })
 */
export function openPostgresStore(
  url: string,
  deps: PostgresStoreDeps,
  options: PostgresStoreOptions = {},
): PostgresRegistrationStore {
  return new PostgresRegistrationStore(new PostgresDatabase(parsePostgresUrl(url), options), deps, options)
}

/** Opens the store and waits until it is connected and migrated. */
export async function connectPostgresStore(
  url: string,
  deps: PostgresStoreDeps,
  options: PostgresStoreOptions = {},
): Promise<PostgresRegistrationStore> {
  const store = openPostgresStore(url, deps, options)
  try {
    await store.whenReady()
    return store
  } catch (err) {
    await store.close()
    throw err
  }
}

export class PostgresRegistrationStore implements RegistrationStore {
  readonly location: string
  private readonly ready: Promise<void>

  constructor(
    readonly db: PostgresDatabase,
    deps: PostgresStoreDeps,
    options: PostgresStoreOptions,
  ) {
    this.location = db.target.location
    this.ready = initialise(db, deps, options)
    // the first call reports a failed start; an unobserved rejection must not crash the process
    this.ready.catch(() => {})
  }

  /** Resolves once connected and migrated; rejects with the reason it could not open. */
  whenReady(): Promise<void> {
    return this.ready
  }

  private async meta(keys: readonly string[]) {
    const res = await this.db.query<{ key: string; value: string }>(
      'SELECT key, value FROM meta WHERE key = ANY($1)',
      [keys],
    )
    return new Map(res.rows.map((r) => [r.key, r.value]))
  }

  async fetchRevision(): Promise<StoreRevision> {
    await this.ready
    const m = await this.meta(['lineage', 'revision'])
    return { lineage: m.get('lineage') as string, revision: Number(m.get('revision')) }
  }

  async fetchStats(entryIdPrefix: string): Promise<StoreStats> {
    await this.ready
    const res = await this.db.query<{
      lineage: string
      revision: string
      td: string
      all: number
      managed: number
    }>(
      `SELECT (SELECT value FROM meta WHERE key = 'lineage') AS lineage,
              (SELECT value FROM meta WHERE key = 'revision') AS revision,
              (SELECT value FROM meta WHERE key = 'trust_domain') AS td,
              (SELECT count(*) FROM entries) AS all,
              (SELECT count(*) FROM entries WHERE id >= $1 AND id < $2) AS managed`,
      [entryIdPrefix, entryIdPrefix + PREFIX_END],
    )
    const r = res.rows[0] as NonNullable<(typeof res.rows)[0]>
    return {
      lineage: r.lineage,
      revision: Number(r.revision),
      trustDomain: r.td,
      managedEntries: r.managed,
      unmanagedEntries: r.all - r.managed,
    }
  }

  async readLiveState(): Promise<LiveState> {
    await this.ready
    return this.db.transaction((c) => readLiveStateOn(c), SNAPSHOT)
  }

  async readLiveStateChanges(since: StoreRevision): Promise<LiveStateChanges | undefined> {
    await this.ready
    return this.db.transaction((c) => readLiveStateChangesOn(c, since), SNAPSHOT)
  }

  async fetchEntry(id: string) {
    await this.ready
    const res = await this.db.query<EntryRow & Record<string, unknown>>(
      'SELECT * FROM entries WHERE id = $1',
      [id],
    )
    const row = res.rows[0]
    return row && entryFromRow(row)
  }

  async listEntries(req: ListEntriesRequest = {}) {
    const size = pageSize(req.pageSize)
    const after = req.pageToken ? decodePageToken<string>(req.pageToken, 'string') : undefined
    await this.ready
    const where: string[] = []
    const params: unknown[] = []
    const cond = (sql: string, ...values: unknown[]) => {
      let i = params.length
      where.push(sql.replace(/\?/g, () => `$${++i}`))
      params.push(...values)
    }
    if (after !== undefined) cond('id > ?', after)
    if (req.bySpiffeId !== undefined) cond('spiffe_id = ?', req.bySpiffeId)
    if (req.byParentId !== undefined) cond('parent_id = ?', req.byParentId)
    if (req.byIdPrefix !== undefined) cond('id >= ? AND id < ?', req.byIdPrefix, req.byIdPrefix + PREFIX_END)
    params.push(size + 1)
    const sql = `SELECT * FROM entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $${params.length}`
    const rows = (await this.db.query<EntryRow & Record<string, unknown>>(sql, params)).rows
    return toPage(rows.slice(0, size).map(entryFromRow), rows.length > size, (e) => e.id)
  }

  async countEntries(req: Pick<ListEntriesRequest, 'byIdPrefix'> = {}) {
    await this.ready
    const res =
      req.byIdPrefix === undefined
        ? await this.db.query<{ n: number }>('SELECT count(*) AS n FROM entries')
        : await this.db.query<{ n: number }>('SELECT count(*) AS n FROM entries WHERE id >= $1 AND id < $2', [
            req.byIdPrefix,
            req.byIdPrefix + PREFIX_END,
          ])
    return res.rows[0]?.n ?? 0
  }

  async commitChanges(req: CommitRequest): Promise<CommitResult> {
    await this.ready
    return this.db.transaction((c) => commitOnClient(c, req))
  }

  /**
   * A commit by the leader of epoch `epoch`: refused with ERR_STORE_CONFLICT (`reason: fenced`)
   * when another replica has become leader since, checked in the commit's own transaction.
   */
  async commitChangesAtEpoch(req: CommitRequest, epoch: number): Promise<CommitResult> {
    await this.ready
    return this.db.transaction((c) => commitOnClient(c, req, epoch))
  }

  async listAuditRecords(req: ListAuditRecordsRequest = {}): Promise<Page<AuditRecord>> {
    const size = pageSize(req.pageSize)
    const after = req.pageToken ? decodePageToken<number>(req.pageToken, 'number') : 0
    await this.ready
    const rows = (
      await this.db.query<AuditRow & Record<string, unknown>>(
        'SELECT * FROM audit_log WHERE seq > $1 AND at_ms >= $2 ORDER BY seq LIMIT $3',
        [after, req.sinceMs ?? 0, size + 1],
      )
    ).rows
    return toPage(rows.slice(0, size).map(auditFromRow), rows.length > size, (r) => r.seq)
  }

  async verifyAuditLog(): Promise<AuditVerification> {
    await this.ready
    return this.db.transaction(async (c) => {
      const m = (
        await c.query<{ key: string; value: string }>(
          "SELECT key, value FROM meta WHERE key IN ('lineage', 'audit_head')",
        )
      ).rows
      const get = (k: string) => m.find((r) => r.key === k)?.value ?? ''
      const rows: AuditRow[] = []
      for (let after = 0; ;) {
        const page = (
          await c.query<AuditRow & Record<string, unknown>>(
            'SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 10000',
            [after],
          )
        ).rows
        rows.push(...page)
        const last = page.at(-1)
        if (!last || page.length < 10_000) break
        after = last.seq
      }
      return verifyAuditRows(rows, auditGenesisHash(get('lineage')), get('audit_head'))
    }, SNAPSHOT)
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}

/** Connects, migrates (or checks existence) and writes lineage, revision 0 and the genesis row once. */
async function initialise(db: PostgresDatabase, deps: PostgresStoreDeps, options: PostgresStoreOptions) {
  if (options.create && db.schema !== 'public') await db.query(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`)
  if (!options.create) {
    const version = await db.transaction((c) => currentPgVersion(c))
    if (version === 0) throw new StoreNotFoundError(db.target.location)
  }
  await migratePostgres(db, options.migrations ?? PG_MIGRATIONS)
  await db.transaction(async (c) => {
    await c.query("SELECT pg_advisory_xact_lock(hashtext('sigil-init'), hashtext(current_schema()))")
    const has = await c.query("SELECT 1 FROM meta WHERE key = 'lineage'")
    if (has.rowCount !== 0) return
    const lineage = deps.random.uuid()
    const atMs = deps.clock.now()
    const data = JSON.stringify({ lineage })
    const prevHash = auditGenesisHash(lineage)
    const hash = auditRowHash(prevHash, {
      seq: 1,
      atMs,
      actor: 'sigil',
      event: 'store.create',
      revision: 0,
      data,
    })
    await c.query(
      "INSERT INTO meta (key, value) VALUES ('lineage', $1), ('revision', '0'), ('trust_domain', ''), ('audit_head', $2)",
      [lineage, `1:${hash}`],
    )
    await c.query(
      'INSERT INTO audit_log (seq, at_ms, actor, event, revision, data, prev_hash, hash) VALUES (1, $1, $2, $3, 0, $4, $5, $6)',
      [atMs, 'sigil', 'store.create', data, prevHash, hash],
    )
  })
  const check = await db.query("SELECT 1 FROM meta WHERE key = 'revision'")
  if (check.rowCount === 0) throw new StoreCorruptError('registration store has no revision')
}

function pageSize(requested: number | undefined): number {
  if (requested === undefined) return 1000
  if (!Number.isInteger(requested) || requested < 1)
    throw new TypeError('pageSize must be a positive integer')
  return Math.min(requested, MAX_PAGE)
}

function toPage<T>(items: T[], more: boolean, cursor: (item: T) => string | number): Page<T> {
  const last = items.at(-1)
  return { items, nextPageToken: more && last !== undefined ? encodePageToken(cursor(last)) : '' }
}
