/** Reading the live state from PostgreSQL: in full, or as the entry changes since an earlier revision. */
import type pg from 'pg'
import type { LiveState, LiveTrustDomainSettings } from '../../plan/types.js'
import type { LiveStateChanges, StoreRevision } from '../registration-store.js'
import {
  type BundleRow,
  type EntryRow,
  type PolicyRow,
  type RoleRow,
  type ScopeRow,
  bundleFromRow,
  entryFromRow,
  policyFromRow,
  roleFromRow,
  scopeFromRow,
} from '../sqlite-rows.js'

/** The whole live state; run inside a REPEATABLE READ transaction for one snapshot. */
export async function readLiveStateOn(c: pg.ClientBase): Promise<LiveState> {
  const state = await readAllButEntries(c)
  const entries = await rows<EntryRow>(c, 'SELECT * FROM entries ORDER BY id')
  return { ...state.state, entries: entries.map(entryFromRow) }
}

/** See `RegistrationStore.readLiveStateChanges`; run inside a REPEATABLE READ transaction. */
export async function readLiveStateChangesOn(
  c: pg.ClientBase,
  since: StoreRevision,
): Promise<LiveStateChanges | undefined> {
  const { state, trackedFrom } = await readAllButEntries(c)
  if (state.lineage !== since.lineage || since.revision > state.revision || since.revision < trackedFrom)
    return undefined
  const entries = await rows<EntryRow>(
    c,
    'SELECT * FROM entries WHERE changed_revision > $1 ORDER BY id',
    since.revision,
  )
  const deleted = await rows<{ id: string }>(
    c,
    `SELECT id FROM entry_tombstones t WHERE revision > $1
       AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = t.id) ORDER BY id`,
    since.revision,
  )
  return { state, entries: entries.map(entryFromRow), deletedEntryIds: deleted.map((r) => r.id) }
}

async function rows<R extends object>(c: pg.ClientBase, sql: string, ...params: unknown[]): Promise<R[]> {
  return (await c.query<R & Record<string, unknown>>(sql, params)).rows
}

async function readAllButEntries(
  c: pg.ClientBase,
): Promise<{ state: Omit<LiveState, 'entries'>; trackedFrom: number }> {
  const meta = await rows<{ key: string; value: string }>(c, 'SELECT key, value FROM meta')
  const m = new Map(meta.map((r) => [r.key, r.value]))
  const settings = m.get('trust_domain_settings')
  const state = {
    lineage: m.get('lineage') as string,
    revision: Number(m.get('revision')),
    trustDomain: m.get('trust_domain') ?? '',
    ...(settings ? { trustDomainSettings: JSON.parse(settings) as LiveTrustDomainSettings } : {}),
    roles: (await rows<RoleRow>(c, 'SELECT * FROM roles ORDER BY name')).map(roleFromRow),
    scopes: (await rows<ScopeRow>(c, 'SELECT * FROM scopes ORDER BY name')).map(scopeFromRow),
    federationBundles: (await rows<BundleRow>(c, 'SELECT * FROM federation_bundles ORDER BY name')).map(
      bundleFromRow,
    ),
    policies: (await rows<PolicyRow>(c, 'SELECT * FROM policies ORDER BY name')).map(policyFromRow),
  }
  return { state, trackedFrom: Number(m.get('entry_changes_from') ?? 0) }
}
