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
