/** The registration store on better-sqlite3: WAL, foreign keys, busy timeout, forward-only migrations. */
import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { Clock } from '../core/clock.js'
import type { Random } from '../core/random.js'
import type { LiveState } from '../plan/types.js'
import { auditGenesisHash, auditRowHash } from './audit-chain.js'
import { StoreCorruptError, StoreNotFoundError, StoreUnavailableError } from './errors.js'
import { migrateDatabase } from './migrate.js'
import { MIGRATIONS, type Migration } from './migrations/index.js'
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
import { CommitStatements, commitInTransaction } from './sqlite-commit.js'
import { LiveStateStatements } from './sqlite-live-state.js'
import {
  type AuditRow,
  type EntryRow,
  auditFromRow,
  decodePageToken,
  encodePageToken,
  entryFromRow,
} from './sqlite-rows.js'
import { verifyAuditRows } from './verify-audit.js'

export interface SqliteStoreDeps {
  readonly clock: Clock
  /** Mints the lineage of a new store. */
  readonly random: Random
}

export interface SqliteStoreOptions {
  /** Create (and migrate) the file when it does not exist; default false (ERR_STORE_NOT_FOUND). */
  readonly create?: boolean
  /** Milliseconds to wait for another writer's lock; default 10,000. */
  readonly busyTimeoutMs?: number
  /** For migration tests: the schema steps to run (default: all). */
  readonly migrations?: readonly Migration[]
}

const MAX_PAGE = 10_000

/**
 * Opens the store in the SQLite file at `path` (`':memory:'` for tests), migrating it forward.
 * @example const store = openSqliteStore('.sigil/sigil.db', { clock, random }, { create: true })
 */
export function openSqliteStore(
  path: string,
  deps: SqliteStoreDeps,
  options: SqliteStoreOptions = {},
): RegistrationStore {
  if (path !== ':memory:' && !options.create && !existsSync(path)) throw new StoreNotFoundError(path)
  let db: Database.Database
  try {
    db = new Database(path)
  } catch (err) {
    throw new StoreUnavailableError(`cannot open registration store ${path}`, err)
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    assertSigilDatabase(db, path)
    migrateDatabase(db, options.migrations ?? MIGRATIONS)
    initialiseMeta(db, deps)
    return new SqliteRegistrationStore(db, path)
  } catch (err) {
    db.close()
    throw translate(err)
  }
}

function assertSigilDatabase(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number
  const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number
  if (version === 0 && tables > 0)
    throw new StoreCorruptError(`${path} is a SQLite database but not a sigil store`)
}

/** Writes lineage, revision 0 and the genesis audit row once, in the transaction that creates them. */
function initialiseMeta(db: Database.Database, deps: SqliteStoreDeps): void {
  const readMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
  if (readMeta.get('lineage') !== undefined) return
  db.transaction(() => {
    if (readMeta.get('lineage') !== undefined) return
    const lineage = deps.random.uuid()
    const atMs = deps.clock.now()
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
    insert.run('lineage', lineage)
    insert.run('revision', '0')
    insert.run('trust_domain', '')
    const data = JSON.stringify({ lineage })
    const prevHash = auditGenesisHash(lineage)
    const row = { seq: 1, atMs, actor: 'sigil', event: 'store.create', revision: 0, data }
    const hash = auditRowHash(prevHash, row)
    db.prepare(
      'INSERT INTO audit_log (seq, at_ms, actor, event, revision, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(1, atMs, 'sigil', 'store.create', 0, data, prevHash, hash)
    insert.run('audit_head', `1:${hash}`)
  }).immediate()
}

/** Maps driver errors to store errors; EngineErrors and TypeErrors pass through. */
function translate(err: unknown): unknown {
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    return new StoreUnavailableError('registration store is locked by another process', err)
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new StoreCorruptError('registration store file is corrupt', err)
  }
  return err
}

class SqliteRegistrationStore implements RegistrationStore {
  private prepared:
    | {
        readonly commitTxn: Database.Transaction<(req: CommitRequest) => CommitResult>
        readonly live: LiveStateStatements
      }
    | undefined
  private readonly meta: Database.Statement
  private closed = false

  constructor(
    private readonly db: Database.Database,
    readonly location: string,
  ) {
    this.meta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
  }

  /** Prepared on first use: a store opened at an older schema (migration tests) must still open. */
  private statements() {
    if (!this.prepared) {
      const commits = new CommitStatements(this.db)
      const commitTxn = this.db.transaction((req: CommitRequest) => commitInTransaction(commits, req))
      this.prepared = { commitTxn, live: new LiveStateStatements(this.db) }
    }
    return this.prepared
  }

  private run<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('registration store is closed'))
    try {
      return Promise.resolve(fn())
    } catch (err) {
      return Promise.reject(translate(err))
    }
  }

  private revisionNow(): StoreRevision {
    return { lineage: this.meta.get('lineage') as string, revision: Number(this.meta.get('revision')) }
  }

  fetchRevision(): Promise<StoreRevision> {
    return this.run(() => this.db.transaction(() => this.revisionNow())())
  }

  fetchStats(entryIdPrefix: string): Promise<StoreStats> {
    return this.run(() =>
      this.db.transaction(() => {
        const all = this.db.prepare('SELECT count(*) FROM entries').pluck().get() as number
        const managed = this.countPrefix(entryIdPrefix)
        return {
          ...this.revisionNow(),
          trustDomain: this.meta.get('trust_domain') as string,
          managedEntries: managed,
          unmanagedEntries: all - managed,
        }
      })(),
    )
  }

  private countPrefix(prefix: string): number {
    // a range scan on the primary key, not LIKE (which is case-insensitive and treats _ and % as wildcards)
    return this.db
      .prepare('SELECT count(*) FROM entries WHERE id >= ? AND id < ?')
      .pluck()
      .get(prefix, prefix + '\uffff') as number
  }

  readLiveState(): Promise<LiveState> {
    return this.run(() => this.db.transaction(() => this.statements().live.read())())
  }

  readLiveStateChanges(since: StoreRevision): Promise<LiveStateChanges | undefined> {
    return this.run(() => this.db.transaction(() => this.statements().live.readChanges(since))())
  }

  fetchEntry(id: string) {
    return this.run(() => {
      const row = this.db.prepare('SELECT * FROM entries WHERE id = ?').get(id) as EntryRow | undefined
      return row && entryFromRow(row)
    })
  }

  listEntries(req: ListEntriesRequest = {}) {
    return this.run(() => {
      const size = pageSize(req.pageSize)
      const where: string[] = []
      const params: unknown[] = []
      const add = (clause: string, ...values: unknown[]) => {
        where.push(clause)
        params.push(...values)
      }
      if (req.pageToken) add('id > ?', decodePageToken<string>(req.pageToken, 'string'))
      if (req.bySpiffeId !== undefined) add('spiffe_id = ?', req.bySpiffeId)
      if (req.byParentId !== undefined) add('parent_id = ?', req.byParentId)
      if (req.byIdPrefix !== undefined) add('id >= ? AND id < ?', req.byIdPrefix, req.byIdPrefix + '\uffff')
      const sql = `SELECT * FROM entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`
      const rows = this.db.prepare(sql).all(...params, size + 1) as EntryRow[]
      return toPage(rows.slice(0, size).map(entryFromRow), rows.length > size, (e) => e.id)
    })
  }

  countEntries(req: Pick<ListEntriesRequest, 'byIdPrefix'> = {}) {
    return this.run(() =>
      req.byIdPrefix === undefined
        ? (this.db.prepare('SELECT count(*) FROM entries').pluck().get() as number)
        : this.countPrefix(req.byIdPrefix),
    )
  }

  commitChanges(req: CommitRequest): Promise<CommitResult> {
    return this.run(() => this.statements().commitTxn.immediate(req))
  }

  listAuditRecords(req: ListAuditRecordsRequest = {}): Promise<Page<AuditRecord>> {
    return this.run(() => {
      const size = pageSize(req.pageSize)
      const after = req.pageToken ? decodePageToken<number>(req.pageToken, 'number') : 0
      const rows = this.db
        .prepare('SELECT * FROM audit_log WHERE seq > ? AND at_ms >= ? ORDER BY seq LIMIT ?')
        .all(after, req.sinceMs ?? 0, size + 1) as AuditRow[]
      return toPage(rows.slice(0, size).map(auditFromRow), rows.length > size, (r) => r.seq)
    })
  }

  verifyAuditLog(): Promise<AuditVerification> {
    return this.run(() =>
      this.db.transaction(() => {
        const rows = this.db
          .prepare('SELECT * FROM audit_log ORDER BY seq')
          .iterate() as IterableIterator<AuditRow>
        return verifyAuditRows(
          rows,
          auditGenesisHash(this.meta.get('lineage') as string),
          this.meta.get('audit_head') as string,
        )
      })(),
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
