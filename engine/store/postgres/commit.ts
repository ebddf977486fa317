/** The body of `commitChanges` on PostgreSQL: runs inside one transaction on one client. */
import type pg from 'pg'
import { entryKey } from '../../core/entry-key.js'
import { auditRowHash } from '../audit-chain.js'
import { StoreConflictError, StoreCorruptError } from '../errors.js'
import type { CommitRequest, CommitResult, EntryRecord, StoreWrite } from '../registration-store.js'
import { AUDIT_CHANGES_PER_ROW } from '../sqlite-commit.js'
import { ENTRY_COLUMNS, entryValues } from '../sqlite-rows.js'
import { StoreFencedError } from './fencing.js'

const PROGRESS_EVERY = 1000
// 22 columns × 500 rows stays far below the 65,535 bind parameters of one statement
const INSERT_BATCH = 500
const ENTRY_COLUMN_COUNT = ENTRY_COLUMNS.split(',').length

const UPDATE_ENTRY = `UPDATE entries SET kind = $1, name = $2, entry_key = $3, spiffe_id = $4, parent_id = $5,
  selectors = $6, x509_svid_ttl = $7, jwt_svid_ttl = $8, dns_names = $9, federates_with = $10, hint = $11,
  admin = $12, downstream = $13, protect = $14, roles = $15, expires_at = $16,
  revision_number = revision_number + 1, source_file = $17, source_commit = $18, changed_revision = $19
  WHERE id = $20 AND entry_key = $21`

const NAMED: Record<string, { table: string; cols: string[] }> = {
  role: { table: 'roles', cols: ['description', 'scopes'] },
  scope: { table: 'scopes', cols: ['description'] },
  federationBundle: {
    table: 'federation_bundles',
    cols: ['trust_domain', 'endpoint_url', 'endpoint_profile', 'endpoint_spiffe_id', 'bundle'],
  },
  policy: { table: 'policies', cols: ['severity', 'spec_json'] },
}

const placeholders = (rows: number, cols: number) =>
  Array.from(
    { length: rows },
    (_, r) => `(${Array.from({ length: cols }, (_, c) => `$${r * cols + c + 1}`).join(', ')})`,
  ).join(', ')

/** Upserts one `meta` row. */
export async function writeMeta(c: pg.ClientBase, key: string, value: string): Promise<void> {
  await c.query(
    'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    [key, value],
  )
}

/**
 * Checks the base (and the leader epoch when `fenceEpoch` is given), applies every write, bumps the
 * revision and appends the audit rows. Locking the revision row serialises commits: a second one
 * waits, then sees the moved revision and fails with ERR_STORE_CONFLICT.
 */
export async function commitOnClient(
  c: pg.ClientBase,
  req: CommitRequest,
  fenceEpoch?: number,
): Promise<CommitResult> {
  const meta = await c.query<{ key: string; value: string }>(
    "SELECT key, value FROM meta WHERE key IN ('lineage', 'revision') ORDER BY key FOR UPDATE",
  )
  const get = (k: string) => meta.rows.find((r) => r.key === k)?.value
  const lineage = get('lineage')
  const revision = Number(get('revision'))
  if (lineage === undefined) throw new StoreCorruptError('registration store has no lineage')
  if (fenceEpoch !== undefined) await checkFence(c, fenceEpoch)
  if (lineage !== req.base.lineage) {
    throw new StoreConflictError(
      'lineage',
      `store lineage ${lineage} is not the expected ${req.base.lineage}`,
      {
        expected: req.base,
        actual: { lineage, revision },
      },
    )
  }
  if (revision !== req.base.revision) {
    throw new StoreConflictError(
      'revision',
      `store revision ${revision} is not the expected ${req.base.revision}`,
      { expected: req.base, actual: { lineage, revision } },
    )
  }
  const at = { createdAtSeconds: Math.floor(req.atMs / 1000), revision: revision + 1 }
  const total = req.writes.length
  let done = 0
  const progress = (n: number) => {
    const before = done
    done += n
    if (req.onProgress && Math.floor(done / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY))
      req.onProgress(done, total)
  }
  let pending: EntryRecord[] = []
  const flush = async () => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    await insertEntries(c, batch, at)
    progress(batch.length)
  }
  for (const w of req.writes) {
    if (w.kind === 'entry' && w.action === 'create') {
      pending.push(w.entry)
      if (pending.length === INSERT_BATCH) await flush()
      continue
    }
    await flush()
    await applyWrite(c, w, at)
    progress(1)
  }
  await flush()
  const next = at.revision
  await c.query("UPDATE meta SET value = $1 WHERE key = 'revision'", [String(next)])
  const auditSeq = await appendCommitAudit(c, req, next)
  await c.query('SELECT pg_notify($1, $2)', [`sigil_${await schemaOf(c)}`, String(next)])
  req.onProgress?.(total, total)
  return { revision: next, auditSeq }
}

async function schemaOf(c: pg.ClientBase): Promise<string> {
  return (await c.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s ?? 'public'
}

/** Refuses the commit unless `epoch` is still the recorded leader epoch (a stale leader is fenced off). */
export async function checkFence(c: pg.ClientBase, epoch: number): Promise<void> {
  // FOR SHARE: a new leader's epoch bump waits for this commit, and this commit waits for a bump under way
  const res = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'leader_epoch' FOR SHARE")
  const current = Number(res.rows[0]?.value ?? 0)
  if (current !== epoch) throw new StoreFencedError(epoch, current)
}

/** When a write happens: `createdAt` of new entries, and the revision the commit leads to. */
interface WriteTime {
  readonly createdAtSeconds: number
  readonly revision: number
}

async function insertEntries(c: pg.ClientBase, entries: EntryRecord[], at: WriteTime): Promise<void> {
  const values: unknown[] = []
  for (const e of entries) {
    const key = entryKey(e.spiffeId, e.parentId, e.selectors)
    values.push(
      e.id,
      ...entryValues(e, key),
      0,
      at.createdAtSeconds,
      e.sourceFile,
      e.sourceCommit,
      at.revision,
    )
  }
  try {
    await c.query(
      `INSERT INTO entries (${ENTRY_COLUMNS}) VALUES ${placeholders(entries.length, ENTRY_COLUMN_COUNT)}`,
      values,
    )
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err
    const id = /\(id\)=\((.*)\)/.exec((err as { detail?: string }).detail ?? '')?.[1] ?? entries[0]?.id
    throw new StoreConflictError('exists', `entry ${id} already exists`, { id })
  }
}

async function applyWrite(c: pg.ClientBase, w: StoreWrite, at: WriteTime): Promise<void> {
  switch (w.kind) {
    case 'entry': {
      if (w.action === 'delete') {
        const res = await c.query('DELETE FROM entries WHERE id = $1 AND entry_key = $2', [w.id, w.key])
        if (res.rowCount === 0) await missingOrMismatch(c, w.id)
        await c.query(
          'INSERT INTO entry_tombstones (id, revision) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET revision = excluded.revision',
          [w.id, at.revision],
        )
        return
      }
      if (w.action === 'create') return insertEntries(c, [w.entry], at)
      const e = w.entry
      const key = entryKey(e.spiffeId, e.parentId, e.selectors)
      const res = await c.query(UPDATE_ENTRY, [
        ...entryValues(e, key),
        e.sourceFile,
        e.sourceCommit,
        at.revision,
        e.id,
        key,
      ])
      if (res.rowCount === 0) await missingOrMismatch(c, e.id)
      return
    }
    case 'trustDomain':
      await writeMeta(c, 'trust_domain', w.action === 'delete' ? '' : w.name)
      await writeMeta(
        c,
        'trust_domain_settings',
        w.action === 'delete' || !w.settings ? '' : JSON.stringify(w.settings),
      )
      return
    default:
      return applyNamedWrite(c, w)
  }
}

async function missingOrMismatch(c: pg.ClientBase, id: string): Promise<never> {
  const res = await c.query('SELECT 1 FROM entries WHERE id = $1', [id])
  if (res.rowCount === 0) throw new StoreConflictError('missing', `entry ${id} does not exist`, { id })
  throw new StoreConflictError('key-mismatch', `entry ${id} has another spiffe id, parent or selectors`, {
    id,
  })
}

type NamedWrite = Exclude<StoreWrite, { kind: 'entry' } | { kind: 'trustDomain' }>

function namedValues(w: NamedWrite): [string, unknown[]] {
  if (w.action === 'delete') return [w.name, []]
  switch (w.kind) {
    case 'role':
      return [w.role.name, [w.role.description, JSON.stringify([...w.role.scopes].sort())]]
    case 'scope':
      return [w.scope.name, [w.scope.description]]
    case 'federationBundle': {
      const b = w.bundle
      return [b.name, [b.trustDomain, b.endpointUrl, b.endpointProfile, b.endpointSpiffeId, b.bundle]]
    }
    case 'policy':
      return [w.policy.name, [w.policy.severity, w.policy.specJson]]
  }
}

async function applyNamedWrite(c: pg.ClientBase, w: NamedWrite): Promise<void> {
  const spec = NAMED[w.kind]
  if (!spec) throw new TypeError(`unknown write kind ${w.kind}`)
  const [name, values] = namedValues(w)
  if (w.action === 'create') {
    try {
      await c.query(
        `INSERT INTO ${spec.table} (name, ${spec.cols.join(', ')}) VALUES ${placeholders(1, spec.cols.length + 1)}`,
        [name, ...values],
      )
    } catch (err) {
      if (String((err as { code?: string }).code).startsWith('23')) {
        throw new StoreConflictError('exists', `${w.kind} ${name} already exists`, { kind: w.kind, name })
      }
      throw err
    }
    return
  }
  const res =
    w.action === 'update'
      ? await c.query(
          `UPDATE ${spec.table} SET ${spec.cols.map((col, i) => `${col} = $${i + 1}`).join(', ')} WHERE name = $${spec.cols.length + 1}`,
          [...values, name],
        )
      : await c.query(`DELETE FROM ${spec.table} WHERE name = $1`, [name])
  if (res.rowCount === 0) {
    throw new StoreConflictError('missing', `${w.kind} ${name} does not exist`, { kind: w.kind, name })
  }
}

/** Locks the chain head, appends `rows` after it and records the new head; returns the first new seq. */
export async function appendAuditRows(
  c: pg.ClientBase,
  rows: readonly { atMs: number; actor: string; event: string; revision: number; data: string }[],
): Promise<number> {
  // the head row lock keeps the chain linear when commits and node events append at once
  await c.query("SELECT value FROM meta WHERE key = 'audit_head' FOR UPDATE")
  const last = await c.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  )
  const head = last.rows[0]
  if (!head) throw new StoreCorruptError('audit log has no genesis row')
  let seq = head.seq
  let prevHash = head.hash
  const values: unknown[] = []
  for (const r of rows) {
    seq += 1
    const hash = auditRowHash(prevHash, { seq, ...r })
    values.push(seq, r.atMs, r.actor, r.event, r.revision, r.data, prevHash, hash)
    prevHash = hash
  }
  for (let i = 0; i < values.length; i += 8 * INSERT_BATCH) {
    const chunk = values.slice(i, i + 8 * INSERT_BATCH)
    await c.query(
      `INSERT INTO audit_log (seq, at_ms, actor, event, revision, data, prev_hash, hash) VALUES ${placeholders(chunk.length / 8, 8)}`,
      chunk,
    )
  }
  await writeMeta(c, 'audit_head', `${seq}:${prevHash}`)
  return head.seq + 1
}

async function appendCommitAudit(c: pg.ClientBase, req: CommitRequest, revision: number): Promise<number> {
  const base = { atMs: req.atMs, actor: req.audit.actor, revision }
  const rows = [{ ...base, event: 'apply', data: JSON.stringify(req.audit.details) }]
  const changes = req.audit.changes
  for (let i = 0; i < changes.length; i += AUDIT_CHANGES_PER_ROW) {
    rows.push({
      ...base,
      event: 'changes',
      data: JSON.stringify({ changes: changes.slice(i, i + AUDIT_CHANGES_PER_ROW) }),
    })
  }
  return appendAuditRows(c, rows)
}
