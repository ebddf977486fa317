/** Reading the live state from SQLite: in full, or as the entry changes since an earlier revision. */
import type Database from 'better-sqlite3'
import type { LiveEntry, LiveState, LiveTrustDomainSettings } from '../plan/types.js'
import type { LiveStateChanges, StoreRevision } from './registration-store.js'
import {
  ENTRY_READ_COLUMNS,
  type BundleRow,
  type PolicyRow,
  type RoleRow,
  type ScopeRow,
  bundleFromRow,
  entryFromValues,
  policyFromRow,
  roleFromRow,
  scopeFromRow,
} from './sqlite-rows.js'

/** Rows mapped one by one as they come: each row array is garbage at once, only the entries stay. */
function entriesOf(rows: Iterable<unknown>): LiveEntry[] {
  const entries: LiveEntry[] = []
  for (const row of rows) entries.push(entryFromValues(row as unknown[]))
  return entries
}

/** Prepared statements of the live state reads; call them inside one transaction for a snapshot. */
export class LiveStateStatements {
  private readonly meta: Database.Statement
  private readonly entries: Database.Statement
  private readonly changedEntries: Database.Statement
  private readonly deletedEntryIds: Database.Statement
  private readonly roles: Database.Statement
  private readonly scopes: Database.Statement
  private readonly bundles: Database.Statement
  private readonly policies: Database.Statement

  constructor(db: Database.Database) {
    this.meta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
    this.entries = db.prepare(`SELECT ${ENTRY_READ_COLUMNS} FROM entries ORDER BY id`).raw()
    // INDEXED BY: for ORDER BY id the planner would rather scan every row in ID order
    this.changedEntries = db
      .prepare(
        `SELECT ${ENTRY_READ_COLUMNS} FROM entries INDEXED BY entries_by_changed_revision
           WHERE changed_revision > ? ORDER BY id`,
      )
      .raw()
    this.deletedEntryIds = db
      .prepare(
        `SELECT id FROM entry_tombstones t INDEXED BY entry_tombstones_by_revision WHERE revision > ?
           AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = t.id) ORDER BY id`,
      )
      .pluck()
    this.roles = db.prepare('SELECT * FROM roles ORDER BY name')
    this.scopes = db.prepare('SELECT * FROM scopes ORDER BY name')
    this.bundles = db.prepare('SELECT * FROM federation_bundles ORDER BY name')
    this.policies = db.prepare('SELECT * FROM policies ORDER BY name')
  }

  /** The whole live state. */
  read(): LiveState {
    return { ...this.readAllButEntries(), entries: entriesOf(this.entries.iterate()) }
  }

  /** See `RegistrationStore.readLiveStateChanges`. */
  readChanges(since: StoreRevision): LiveStateChanges | undefined {
    const state = this.readAllButEntries()
    const trackedFrom = Number(this.meta.get('entry_changes_from') ?? 0)
    if (state.lineage !== since.lineage || since.revision > state.revision || since.revision < trackedFrom)
      return undefined
    return {
      state,
      entries: entriesOf(this.changedEntries.iterate(since.revision)),
      deletedEntryIds: this.deletedEntryIds.all(since.revision) as string[],
    }
  }

  private readAllButEntries(): Omit<LiveState, 'entries'> {
    const settings = this.meta.get('trust_domain_settings') as string | undefined
    return {
      lineage: this.meta.get('lineage') as string,
      revision: Number(this.meta.get('revision')),
      trustDomain: this.meta.get('trust_domain') as string,
      ...(settings ? { trustDomainSettings: JSON.parse(settings) as LiveTrustDomainSettings } : {}),
      roles: (this.roles.all() as RoleRow[]).map(roleFromRow),
      scopes: (this.scopes.all() as ScopeRow[]).map(scopeFromRow),
      federationBundles: (this.bundles.all() as BundleRow[]).map(bundleFromRow),
      policies: (this.policies.all() as PolicyRow[]).map(policyFromRow),
    }
  }
}
