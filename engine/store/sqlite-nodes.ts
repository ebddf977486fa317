/**
 * The node store on the registration store's SQLite file: a second connection (WAL allows it), so
 * the store engineer's connection and statements stay untouched. Open the registration store first:
 * it runs the migrations this file relies on.
 */
import Database from 'better-sqlite3'
import { auditRowHash } from './audit-chain.js'
import { StoreCorruptError, StoreMigrationError, StoreUnavailableError } from './errors.js'
import type {
  AttestationType,
  AttestedNode,
  CreateRevocationRecord,
  JoinTokenRecord,
  NodeAuditEvent,
  NodeStore,
  Revocation,
} from './node-store.js'
import { revocationFromRow, type RevocationRow } from './revocation-rows.js'

/** Schema version that created the node tables (migrations/002-nodes.ts). */
export const NODES_SCHEMA_VERSION = 2
/** Schema version that created the revocations table (migrations/003-revocations.ts). */
export const REVOCATIONS_SCHEMA_VERSION = 3

interface TokenRow {
  token_hash: string
  expires_at_ms: number
  created_at_ms: number
  agent_name: string
  alias_id: string
}

interface NodeRow {
  agent_id: string
  attestation_type: string
  selectors: string
  alias_ids: string
  svid_serial: string
  svid_expires_ms: number
  banned: number
  created_at_ms: number
  updated_at_ms: number
}

function nodeFromRow(row: NodeRow): AttestedNode {
  return {
    agentId: row.agent_id,
    attestationType: row.attestation_type as AttestationType,
    selectors: JSON.parse(row.selectors) as string[],
    aliasIds: JSON.parse(row.alias_ids) as string[],
    svidSerial: row.svid_serial,
    svidExpiresAtMs: row.svid_expires_ms,
    banned: row.banned === 1,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  }
}

const sortedJson = (values: readonly string[]) => JSON.stringify([...new Set(values)].sort())

/** SQL (both stores) selecting revocations in force at the bound instant. */
export const ACTIVE_REVOCATION_SQL = 'lifted_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > ?)'

/**
 * Opens the node store in the SQLite file at `path` (an existing, migrated registration store).
 * @example const nodes = openSqliteNodeStore('.sigil/sigil.db')
 */
export function openSqliteNodeStore(path: string, options: { busyTimeoutMs?: number } = {}): NodeStore {
  let db: Database.Database
  try {
    db = new Database(path, { fileMustExist: true })
  } catch (err) {
    throw new StoreUnavailableError(`cannot open registration store ${path}`, err)
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`)
    db.pragma('foreign_keys = ON')
    const version = db.pragma('user_version', { simple: true }) as number
    if (version < NODES_SCHEMA_VERSION) {
      throw new StoreMigrationError(
        `store schema version ${version} has no node tables; open it with sigil first`,
        {
          current: version,
        },
      )
    }
    return new SqliteNodeStore(db)
  } catch (err) {
    db.close()
    throw err
  }
}

class SqliteNodeStore implements NodeStore {
  private closed = false
  private readonly appendAuditTxn: Database.Transaction<(event: NodeAuditEvent) => number>

  constructor(private readonly db: Database.Database) {
    this.appendAuditTxn = db.transaction((event: NodeAuditEvent) => this.appendAuditRow(event))
  }

  private run<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('node store is closed'))
    try {
      return Promise.resolve(fn())
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')))
        return Promise.reject(
          new StoreUnavailableError('registration store is locked by another process', err),
        )
      return Promise.reject(err)
    }
  }

  createJoinToken(r: JoinTokenRecord): Promise<void> {
    return this.run(() => {
      this.db
        .prepare(
          'INSERT INTO join_tokens (token_hash, expires_at_ms, created_at_ms, agent_name, alias_id) VALUES (?, ?, ?, ?, ?)',
        )
        .run(r.tokenHash, r.expiresAtMs, r.createdAtMs, r.agentName, r.aliasId)
    })
  }

  consumeJoinToken(tokenHash: string): Promise<JoinTokenRecord | undefined> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const row = this.db.prepare('SELECT * FROM join_tokens WHERE token_hash = ?').get(tokenHash) as
            TokenRow | undefined
          if (!row) return undefined
          this.db.prepare('DELETE FROM join_tokens WHERE token_hash = ?').run(tokenHash)
          return {
            tokenHash: row.token_hash,
            expiresAtMs: row.expires_at_ms,
            createdAtMs: row.created_at_ms,
            agentName: row.agent_name,
            aliasId: row.alias_id,
          }
        })
        .immediate(),
    )
  }

  pruneJoinTokens(beforeMs: number): Promise<number> {
    return this.run(
      () => this.db.prepare('DELETE FROM join_tokens WHERE expires_at_ms < ?').run(beforeMs).changes,
    )
  }

  fetchAttestedNode(agentId: string): Promise<AttestedNode | undefined> {
    return this.run(() => this.readNode(agentId))
  }

  private readNode(agentId: string): AttestedNode | undefined {
    const row = this.db.prepare('SELECT * FROM attested_nodes WHERE agent_id = ?').get(agentId) as
      NodeRow | undefined
    return row && nodeFromRow(row)
  }

  upsertAttestedNode(node: Omit<AttestedNode, 'banned' | 'createdAtMs'>): Promise<AttestedNode> {
    return this.run(() =>
      this.db
        .transaction(() => {
          this.db
            .prepare(
              `INSERT INTO attested_nodes (agent_id, attestation_type, selectors, alias_ids, svid_serial,
                 svid_expires_ms, banned, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)
               ON CONFLICT (agent_id) DO UPDATE SET attestation_type = excluded.attestation_type,
                 selectors = excluded.selectors, alias_ids = excluded.alias_ids, svid_serial = excluded.svid_serial,
                 svid_expires_ms = excluded.svid_expires_ms, updated_at_ms = excluded.updated_at_ms`,
            )
            .run(
              node.agentId,
              node.attestationType,
              sortedJson(node.selectors),
              sortedJson(node.aliasIds),
              node.svidSerial,
              node.svidExpiresAtMs,
              node.updatedAtMs,
              node.updatedAtMs,
            )
          return this.readNode(node.agentId) as AttestedNode
        })
        .immediate(),
    )
  }

  updateAttestedNodeSvid(
    agentId: string,
    serial: string,
    expiresAtMs: number,
    atMs: number,
  ): Promise<boolean> {
    return this.run(
      () =>
        this.db
          .prepare(
            'UPDATE attested_nodes SET svid_serial = ?, svid_expires_ms = ?, updated_at_ms = ? WHERE agent_id = ?',
          )
          .run(serial, expiresAtMs, atMs, agentId).changes === 1,
    )
  }

  setAttestedNodeBanned(agentId: string, banned: boolean, atMs: number): Promise<AttestedNode> {
    return this.run(() =>
      this.db
        .transaction(() => {
          // a ban may come before the agent ever attested: keep a placeholder so attestation is refused
          this.db
            .prepare(
              `INSERT INTO attested_nodes (agent_id, attestation_type, selectors, alias_ids, svid_serial,
                 svid_expires_ms, banned, created_at_ms, updated_at_ms) VALUES (?, '', '[]', '[]', '', 0, ?, ?, ?)
               ON CONFLICT (agent_id) DO UPDATE SET banned = excluded.banned, updated_at_ms = excluded.updated_at_ms`,
            )
            .run(agentId, banned ? 1 : 0, atMs, atMs)
          return this.readNode(agentId) as AttestedNode
        })
        .immediate(),
    )
  }

  listAttestedNodes(): Promise<readonly AttestedNode[]> {
    return this.run(() =>
      (this.db.prepare('SELECT * FROM attested_nodes ORDER BY agent_id').all() as NodeRow[]).map(nodeFromRow),
    )
  }

  appendAudit(event: NodeAuditEvent): Promise<number> {
    return this.run(() => this.appendAuditTxn.immediate(event))
  }

  /** Same chain rules as a commit (sqlite-commit.ts): next seq, prev hash, head in meta. */
  private appendAuditRow(event: NodeAuditEvent): number {
    const last = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined
    if (!last) throw new StoreCorruptError('audit log has no genesis row')
    const revisionText = this.db.prepare("SELECT value FROM meta WHERE key = 'revision'").pluck().get()
    const revision = Number(revisionText ?? 0)
    const seq = last.seq + 1
    const data = JSON.stringify(event.data)
    const row = { seq, atMs: event.atMs, actor: event.actor, event: event.event, revision, data }
    const hash = auditRowHash(last.hash, row)
    this.db
      .prepare(
        'INSERT INTO audit_log (seq, at_ms, actor, event, revision, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(seq, event.atMs, event.actor, event.event, revision, data, last.hash, hash)
    this.db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head'").run(`${seq}:${hash}`)
    return seq
  }

  createRevocation(r: CreateRevocationRecord): Promise<Revocation> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const id = this.db
            .prepare(
              'INSERT INTO revocations (spiffe_id, reason, actor, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)',
            )
            .run(r.spiffeId, r.reason, r.actor, r.atMs, r.expiresAtMs ?? null).lastInsertRowid
          const row = this.db.prepare('SELECT * FROM revocations WHERE id = ?').get(id) as RevocationRow
          const revocation = revocationFromRow(row)
          this.appendAuditRow({
            atMs: r.atMs,
            actor: r.actor,
            event: 'identity.revoke',
            data: {
              id: revocation.id,
              spiffeId: r.spiffeId,
              reason: r.reason,
              expiresAtMs: revocation.expiresAtMs,
            },
          })
          return revocation
        })
        .immediate(),
    )
  }

  liftRevocation(req: { spiffeId: string; actor: string; atMs: number }): Promise<readonly Revocation[]> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const active = this.db
            .prepare(`SELECT * FROM revocations WHERE spiffe_id = ? AND ${ACTIVE_REVOCATION_SQL} ORDER BY id`)
            .all(req.spiffeId, req.atMs) as RevocationRow[]
          if (active.length === 0) return []
          const lift = this.db.prepare('UPDATE revocations SET lifted_at_ms = ?, lifted_by = ? WHERE id = ?')
          for (const row of active) lift.run(req.atMs, req.actor, row.id)
          this.appendAuditRow({
            atMs: req.atMs,
            actor: req.actor,
            event: 'identity.revoke.lift',
            data: { spiffeId: req.spiffeId, ids: active.map((row) => row.id) },
          })
          return active.map((row) =>
            revocationFromRow({ ...row, lifted_at_ms: req.atMs, lifted_by: req.actor }),
          )
        })
        .immediate(),
    )
  }

  listRevocations(req: { activeAtMs?: number } = {}): Promise<readonly Revocation[]> {
    return this.run(() => {
      const rows =
        req.activeAtMs === undefined
          ? this.db.prepare('SELECT * FROM revocations ORDER BY spiffe_id, id').all()
          : this.db
              .prepare(`SELECT * FROM revocations WHERE ${ACTIVE_REVOCATION_SQL} ORDER BY spiffe_id, id`)
              .all(req.activeAtMs)
      return (rows as RevocationRow[]).map(revocationFromRow)
    })
  }

  dataVersion(): number {
    if (this.closed) return -1
    return this.db.pragma('data_version', { simple: true }) as number
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      this.db.close()
    }
    return Promise.resolve()
  }
}
