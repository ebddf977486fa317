/**
 * The node store on PostgreSQL, sharing the registration store's pool. `dataVersion` counts commit
 * notifications (LISTEN on the schema's channel), so a server notices writes by other replicas.
 */
import type pg from 'pg'
import type { Clock } from '../../core/clock.js'
import { StoreUnavailableError } from '../errors.js'
import type {
  AttestationType,
  AttestedNode,
  CreateRevocationRecord,
  JoinTokenRecord,
  NodeAuditEvent,
  NodeStore,
  Revocation,
} from '../node-store.js'
import { revocationFromRow, type RevocationRow } from '../revocation-rows.js'
import { appendAuditRows } from './commit.js'
import type { PostgresDatabase } from './database.js'

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
const RECONNECT_MS = 1000

/**
 * Opens the node store on `db` (a migrated registration store's database) and starts listening
 * for commits. Closing it stops the listener; the pool belongs to the registration store.
 */
export async function openPostgresNodeStore(
  db: PostgresDatabase,
  deps: { clock: Clock },
): Promise<NodeStore> {
  const nodes = new PostgresNodeStore(db, deps.clock)
  await nodes.listen()
  return nodes
}

class PostgresNodeStore implements NodeStore {
  private version = 0
  private listener: pg.Client | undefined
  private readonly stop = new AbortController()

  constructor(
    private readonly db: PostgresDatabase,
    private readonly clock: Clock,
  ) {}

  /** Keeps one LISTEN connection; every notification or reconnect bumps the version. */
  async listen(): Promise<void> {
    const client = await this.db.connectDedicated()
    client.on('notification', () => (this.version += 1))
    const lost = () => {
      if (this.listener !== client) return
      this.listener = undefined
      this.version += 1
      void client.end().catch(() => {})
      void this.reconnect()
    }
    client.on('error', lost)
    client.on('end', lost)
    await client.query(`LISTEN ${this.db.channel}`)
    this.listener = client
  }

  private async reconnect(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        await this.clock.sleep(RECONNECT_MS, this.stop.signal)
        await this.listen()
        // commits may have happened while nobody listened
        this.version += 1
        return
      } catch {
        // retry until closed
      }
    }
  }

  private notify(c?: pg.ClientBase): Promise<unknown> {
    const sql = 'SELECT pg_notify($1, $2)'
    return c ? c.query(sql, [this.db.channel, 'nodes']) : this.db.query(sql, [this.db.channel, 'nodes'])
  }

  private check(): void {
    if (this.stop.signal.aborted) throw new StoreUnavailableError('node store is closed')
  }

  async createJoinToken(r: JoinTokenRecord): Promise<void> {
    this.check()
    await this.db.query(
      'INSERT INTO join_tokens (token_hash, expires_at_ms, created_at_ms, agent_name, alias_id) VALUES ($1, $2, $3, $4, $5)',
      [r.tokenHash, r.expiresAtMs, r.createdAtMs, r.agentName, r.aliasId],
    )
  }

  async consumeJoinToken(tokenHash: string): Promise<JoinTokenRecord | undefined> {
    this.check()
    // DELETE … RETURNING: of two replicas redeeming the same token at once, exactly one gets the row
    const res = await this.db.query<{
      token_hash: string
      expires_at_ms: number
      created_at_ms: number
      agent_name: string
      alias_id: string
    }>('DELETE FROM join_tokens WHERE token_hash = $1 RETURNING *', [tokenHash])
    const row = res.rows[0]
    if (!row) return undefined
    return {
      tokenHash: row.token_hash,
      expiresAtMs: row.expires_at_ms,
      createdAtMs: row.created_at_ms,
      agentName: row.agent_name,
      aliasId: row.alias_id,
    }
  }

  async pruneJoinTokens(beforeMs: number): Promise<number> {
    this.check()
    return (await this.db.query('DELETE FROM join_tokens WHERE expires_at_ms < $1', [beforeMs])).rowCount ?? 0
  }

  async fetchAttestedNode(agentId: string): Promise<AttestedNode | undefined> {
    this.check()
    const res = await this.db.query<NodeRow & pg.QueryResultRow>(
      'SELECT * FROM attested_nodes WHERE agent_id = $1',
      [agentId],
    )
    const row = res.rows[0]
    return row && nodeFromRow(row)
  }

  async upsertAttestedNode(node: Omit<AttestedNode, 'banned' | 'createdAtMs'>): Promise<AttestedNode> {
    this.check()
    const res = await this.db.query<NodeRow & pg.QueryResultRow>(
      `INSERT INTO attested_nodes (agent_id, attestation_type, selectors, alias_ids, svid_serial,
         svid_expires_ms, banned, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)
       ON CONFLICT (agent_id) DO UPDATE SET attestation_type = excluded.attestation_type,
         selectors = excluded.selectors, alias_ids = excluded.alias_ids, svid_serial = excluded.svid_serial,
         svid_expires_ms = excluded.svid_expires_ms, updated_at_ms = excluded.updated_at_ms
       RETURNING *`,
      [
        node.agentId,
        node.attestationType,
        sortedJson(node.selectors),
        sortedJson(node.aliasIds),
        node.svidSerial,
        node.svidExpiresAtMs,
        node.updatedAtMs,
      ],
    )
    await this.notify()
    return nodeFromRow(res.rows[0] as NodeRow)
  }

  async updateAttestedNodeSvid(agentId: string, serial: string, expiresAtMs: number, atMs: number) {
    this.check()
    const res = await this.db.query(
      'UPDATE attested_nodes SET svid_serial = $1, svid_expires_ms = $2, updated_at_ms = $3 WHERE agent_id = $4',
      [serial, expiresAtMs, atMs, agentId],
    )
    return res.rowCount === 1
  }

  async setAttestedNodeBanned(agentId: string, banned: boolean, atMs: number): Promise<AttestedNode> {
    this.check()
    // a ban may come before the agent ever attested: keep a placeholder so attestation is refused
    const res = await this.db.query<NodeRow & pg.QueryResultRow>(
      `INSERT INTO attested_nodes (agent_id, attestation_type, selectors, alias_ids, svid_serial,
         svid_expires_ms, banned, created_at_ms, updated_at_ms) VALUES ($1, '', '[]', '[]', '', 0, $2, $3, $3)
       ON CONFLICT (agent_id) DO UPDATE SET banned = excluded.banned, updated_at_ms = excluded.updated_at_ms
       RETURNING *`,
      [agentId, banned ? 1 : 0, atMs],
    )
    await this.notify()
    return nodeFromRow(res.rows[0] as NodeRow)
  }

  async listAttestedNodes(): Promise<readonly AttestedNode[]> {
    this.check()
    const res = await this.db.query<NodeRow & pg.QueryResultRow>(
      'SELECT * FROM attested_nodes ORDER BY agent_id',
    )
    return res.rows.map(nodeFromRow)
  }

  async appendAudit(event: NodeAuditEvent): Promise<number> {
    this.check()
    return this.db.transaction(async (c) => {
      const rev = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'revision'")
      const revision = Number(rev.rows[0]?.value ?? 0)
      const data = JSON.stringify(event.data)
      return appendAuditRows(c, [
        { atMs: event.atMs, actor: event.actor, event: event.event, revision, data },
      ])
    })
  }

  private async auditIn(c: pg.ClientBase, event: NodeAuditEvent): Promise<number> {
    const rev = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'revision'")
    const revision = Number(rev.rows[0]?.value ?? 0)
    const data = JSON.stringify(event.data)
    return appendAuditRows(c, [{ atMs: event.atMs, actor: event.actor, event: event.event, revision, data }])
  }

  async createRevocation(r: CreateRevocationRecord): Promise<Revocation> {
    this.check()
    return this.db.transaction(async (c) => {
      const res = await c.query<RevocationRow & pg.QueryResultRow>(
        `INSERT INTO revocations (spiffe_id, reason, actor, created_at_ms, expires_at_ms)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [r.spiffeId, r.reason, r.actor, r.atMs, r.expiresAtMs ?? null],
      )
      const revocation = revocationFromRow(res.rows[0] as RevocationRow)
      await this.auditIn(c, {
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
      await this.notify(c)
      return revocation
    })
  }

  async liftRevocation(req: {
    spiffeId: string
    actor: string
    atMs: number
  }): Promise<readonly Revocation[]> {
    this.check()
    return this.db.transaction(async (c) => {
      const res = await c.query<RevocationRow & pg.QueryResultRow>(
        `UPDATE revocations SET lifted_at_ms = $2, lifted_by = $3
         WHERE spiffe_id = $1 AND lifted_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > $2)
         RETURNING *`,
        [req.spiffeId, req.atMs, req.actor],
      )
      const lifted = res.rows.map(revocationFromRow).sort((a, b) => a.id - b.id)
      if (lifted.length === 0) return []
      await this.auditIn(c, {
        atMs: req.atMs,
        actor: req.actor,
        event: 'identity.revoke.lift',
        data: { spiffeId: req.spiffeId, ids: lifted.map((r) => r.id) },
      })
      await this.notify(c)
      return lifted
    })
  }

  async listRevocations(req: { activeAtMs?: number } = {}): Promise<readonly Revocation[]> {
    this.check()
    const res =
      req.activeAtMs === undefined
        ? await this.db.query<RevocationRow & pg.QueryResultRow>(
            'SELECT * FROM revocations ORDER BY spiffe_id, id',
          )
        : await this.db.query<RevocationRow & pg.QueryResultRow>(
            `SELECT * FROM revocations
             WHERE lifted_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > $1)
             ORDER BY spiffe_id, id`,
            [req.activeAtMs],
          )
    return res.rows.map(revocationFromRow)
  }

  dataVersion(): number {
    return this.stop.signal.aborted ? -1 : this.version
  }

  async close(): Promise<void> {
    if (this.stop.signal.aborted) return
    this.stop.abort()
    const client = this.listener
    this.listener = undefined
    await client?.end().catch(() => {})
  }
}
