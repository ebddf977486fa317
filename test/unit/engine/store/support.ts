import { entryKey } from '../../../../engine/core/entry-key.js'
import { openSqliteStore } from '../../../../engine/store/sqlite-store.js'
import type {
  EntryRecord,
  RegistrationStore,
  StoreWrite,
} from '../../../../engine/store/registration-store.js'
import { FakeClock } from '../../../support/fake-clock.js'
import { seededRandom } from '../../../support/seeded-random.js'

/** A real store on ':memory:' (or a file) with a fake clock and seeded randomness. */
export function testStore(path = ':memory:'): { store: RegistrationStore; clock: FakeClock } {
  const clock = new FakeClock()
  return { store: openSqliteStore(path, { clock, random: seededRandom(7) }, { create: true }), clock }
}

/** A managed entry record with defaults. */
export function entryRecord(n: number, overrides: Partial<EntryRecord> = {}): EntryRecord {
  return {
    id: `sigil.${String(n).padStart(4, '0')}`,
    kind: 'Entry',
    name: `workload-${n}`,
    spiffeId: `spiffe://example.org/w/${n}`,
    parentId: 'spiffe://example.org/nodes/prod',
    selectors: ['k8s:ns:default', `k8s:sa:w${n}`],
    x509SvidTtlSeconds: 3600,
    jwtSvidTtlSeconds: 300,
    dnsNames: [`w${n}.default.svc`],
    federatesWith: [],
    hint: '',
    admin: false,
    downstream: false,
    protect: false,
    roles: ['reader'],
    expiresAt: 0,
    sourceFile: 'entries.yaml',
    sourceCommit: 'c0ffee',
    ...overrides,
  }
}

/** Commits writes at the store's current revision. */
export async function commit(store: RegistrationStore, writes: StoreWrite[], actor = 'os:test') {
  const base = await store.fetchRevision()
  return store.commitChanges({
    base,
    writes,
    atMs: Date.UTC(2026, 0, 2),
    audit: { actor, details: { test: true }, changes: [] },
  })
}

/**
 * SQL storing `entryRecord(n)` and moving the store to revision 1 in a store migrated only up to an
 * earlier schema version, whose tables this code's commits no longer fit. SQLite and PostgreSQL
 * both accept it; no audit row is written (the chain stays valid).
 */
export function oldSchemaEntrySql(n: number): string {
  const e = entryRecord(n)
  const text = (s: string) => `'${s.replace(/'/g, "''")}'`
  const list = (l: readonly string[]) => text(JSON.stringify([...l].sort()))
  const values = [
    text(e.id),
    text(e.kind),
    text(e.name),
    text(entryKey(e.spiffeId, e.parentId, e.selectors)),
    text(e.spiffeId),
    text(e.parentId),
    list(e.selectors),
    e.x509SvidTtlSeconds,
    e.jwtSvidTtlSeconds,
    text(JSON.stringify(e.dnsNames)),
    list(e.federatesWith),
    text(e.hint),
    0,
    0,
    0,
    list(e.roles),
    e.expiresAt,
    0,
    Math.floor(Date.UTC(2026, 0, 2) / 1000),
    text(e.sourceFile),
    text(e.sourceCommit),
  ]
  const columns =
    'id, kind, name, entry_key, spiffe_id, parent_id, selectors, x509_svid_ttl, jwt_svid_ttl, dns_names, ' +
    'federates_with, hint, admin, downstream, protect, roles, expires_at, revision_number, created_at, ' +
    'source_file, source_commit'
  return `INSERT INTO entries (${columns}) VALUES (${values.join(', ')});
UPDATE meta SET value = '1' WHERE key = 'revision';`
}
