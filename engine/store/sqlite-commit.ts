/** The body of `commitChanges` on SQLite: runs inside one IMMEDIATE transaction. */
import type Database from 'better-sqlite3'
import { entryKey } from '../core/entry-key.js'
import { auditRowHash } from './audit-chain.js'
import { StoreConflictError } from './errors.js'
import type { CommitRequest, CommitResult, EntryRecord, StoreWrite } from './registration-store.js'
import { ENTRY_COLUMNS, entryValues } from './sqlite-rows.js'

const PROGRESS_EVERY = 1000
/** Changes recorded per `changes` audit row. */
export const AUDIT_CHANGES_PER_ROW = 500

/** Prepared statements used by commits (prepared once per connection). */
export class CommitStatements {
  readonly insertEntry: Database.Statement
  readonly updateEntry: Database.Statement
  readonly deleteEntry: Database.Statement
  readonly writeTombstone: Database.Statement
  readonly entryKeyById: Database.Statement
  readonly insertAudit: Database.Statement
  readonly lastAudit: Database.Statement
  readonly readMeta: Database.Statement
  readonly writeMeta: Database.Statement
  readonly named: Record<
    string,
    { insert: Database.Statement; update: Database.Statement; del: Database.Statement }
  >

  constructor(db: Database.Database) {
    this.insertEntry = db.prepare(
      `INSERT INTO entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
    )
    this.updateEntry = db.prepare(
      `UPDATE entries SET kind = ?, name = ?, entry_key = ?, spiffe_id = ?, parent_id = ?, selectors = ?,
         x509_svid_ttl = ?, jwt_svid_ttl = ?, dns_names = ?, federates_with = ?, hint = ?, admin = ?,
         downstream = ?, protect = ?, roles = ?, expires_at = ?, revision_number = revision_number + 1,
         source_file = ?, source_commit = ?, changed_revision = ?
       WHERE id = ? AND entry_key = ?`,
    )
    this.deleteEntry = db.prepare('DELETE FROM entries WHERE id = ? AND entry_key = ?')
    this.writeTombstone = db.prepare(
      'INSERT INTO entry_tombstones (id, revision) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET revision = excluded.revision',
    )
    this.entryKeyById = db.prepare('SELECT entry_key FROM entries WHERE id = ?').pluck()
    this.insertAudit = db.prepare(
      'INSERT INTO audit_log (seq, at_ms, actor, event, revision, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    this.lastAudit = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
    this.readMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
    this.writeMeta = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    )
    const named = (table: string, cols: string[]) => ({
      insert: db.prepare(
        `INSERT INTO ${table} (name, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})`,
      ),
      update: db.prepare(`UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE name = ?`),
      del: db.prepare(`DELETE FROM ${table} WHERE name = ?`),
    })
    this.named = {
      role: named('roles', ['description', 'scopes']),
      scope: named('scopes', ['description']),
      federationBundle: named('federation_bundles', [
        'trust_domain',
        'endpoint_url',
        'endpoint_profile',
        'endpoint_spiffe_id',
        'bundle',
      ]),
      policy: named('policies', ['severity', 'spec_json']),
    }
  }
}

/** Checks the base, applies every write, bumps the revision and appends the audit rows. */
export function commitInTransaction(s: CommitStatements, req: CommitRequest): CommitResult {
  const lineage = s.readMeta.get('lineage') as string
  const revision = Number(s.readMeta.get('revision'))
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
      {
        expected: req.base,
        actual: { lineage, revision },
      },
    )
  }
  const at = { createdAtSeconds: Math.floor(req.atMs / 1000), revision: revision + 1 }
  const total = req.writes.length
  req.writes.forEach((w, i) => {
    applyWrite(s, w, at)
    if (req.onProgress && (i + 1) % PROGRESS_EVERY === 0) req.onProgress(i + 1, total)
  })
  const next = at.revision
  s.writeMeta.run('revision', String(next))
  const auditSeq = appendAudit(s, req, next)
  req.onProgress?.(total, total)
  return { revision: next, auditSeq }
}

/** When a write happens: `createdAt` of new entries, and the revision the commit leads to. */
interface WriteTime {
  readonly createdAtSeconds: number
  readonly revision: number
}

function applyWrite(s: CommitStatements, w: StoreWrite, at: WriteTime): void {
  switch (w.kind) {
    case 'entry':
      if (w.action === 'delete') return deleteEntry(s, w.id, w.key, at)
      return w.action === 'create' ? createEntry(s, w.entry, at) : updateEntry(s, w.entry, at)
    case 'trustDomain':
      s.writeMeta.run('trust_domain', w.action === 'delete' ? '' : w.name)
      s.writeMeta.run(
        'trust_domain_settings',
        w.action === 'delete' || !w.settings ? '' : JSON.stringify(w.settings),
      )
      return
    default:
      return applyNamedWrite(s, w)
  }
}

function createEntry(s: CommitStatements, e: EntryRecord, at: WriteTime): void {
  const key = entryKey(e.spiffeId, e.parentId, e.selectors)
  try {
    s.insertEntry.run(
      e.id,
      ...entryValues(e, key),
      at.createdAtSeconds,
      e.sourceFile,
      e.sourceCommit,
      at.revision,
    )
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new StoreConflictError('exists', `entry ${e.id} already exists`, { id: e.id })
    }
    throw err
  }
}

function updateEntry(s: CommitStatements, e: EntryRecord, at: WriteTime): void {
  const key = entryKey(e.spiffeId, e.parentId, e.selectors)
  const values = [...entryValues(e, key), e.sourceFile, e.sourceCommit, at.revision]
  const info = s.updateEntry.run(...values, e.id, key)
  if (info.changes === 0) missingOrMismatch(s, e.id)
}

function deleteEntry(s: CommitStatements, id: string, key: string, at: WriteTime): void {
  if (s.deleteEntry.run(id, key).changes === 0) missingOrMismatch(s, id)
  s.writeTombstone.run(id, at.revision)
}

function missingOrMismatch(s: CommitStatements, id: string): never {
  const stored = s.entryKeyById.get(id)
  if (stored === undefined) throw new StoreConflictError('missing', `entry ${id} does not exist`, { id })
  // the natural key never changes under an ID: a key change is a delete and a create
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

function applyNamedWrite(s: CommitStatements, w: NamedWrite): void {
  const stmts = s.named[w.kind]
  if (!stmts) throw new TypeError(`unknown write kind ${w.kind}`)
  const [name, values] = namedValues(w)
  if (w.action === 'create') {
    try {
      stmts.insert.run(name, ...values)
    } catch (err) {
      if (String((err as { code?: string }).code).startsWith('SQLITE_CONSTRAINT')) {
        throw new StoreConflictError('exists', `${w.kind} ${name} already exists`, { kind: w.kind, name })
      }
      throw err
    }
    return
  }
  const info = w.action === 'update' ? stmts.update.run(...values, name) : stmts.del.run(name)
  if (info.changes === 0) {
    throw new StoreConflictError('missing', `${w.kind} ${name} does not exist`, { kind: w.kind, name })
  }
}

function appendAudit(s: CommitStatements, req: CommitRequest, revision: number): number {
  const last = s.lastAudit.get() as { seq: number; hash: string } | undefined
  if (!last) throw new StoreConflictError('missing', 'audit log has no genesis row')
  let seq = last.seq
  let prevHash = last.hash
  const append = (event: string, data: string) => {
    seq += 1
    const row = { seq, atMs: req.atMs, actor: req.audit.actor, event, revision, data }
    const hash = auditRowHash(prevHash, row)
    s.insertAudit.run(seq, req.atMs, req.audit.actor, event, revision, data, prevHash, hash)
    prevHash = hash
  }
  append('apply', JSON.stringify(req.audit.details))
  const headSeq = seq
  // changes go in batches: a row (insert + hash) per change would halve the apply rate
  const changes = req.audit.changes
  for (let i = 0; i < changes.length; i += AUDIT_CHANGES_PER_ROW) {
    append('changes', JSON.stringify({ changes: changes.slice(i, i + AUDIT_CHANGES_PER_ROW) }))
  }
  s.writeMeta.run('audit_head', `${seq}:${prevHash}`)
  return headSeq
}
