import { entryKey } from '../../../../engine/core/entry-key.js'
import type { Change, Plan } from '../../../../engine/plan/types.js'
import type { EntryRecord, RegistrationStore } from '../../../../engine/store/registration-store.js'

/** A plan by hand (the pure plan stage is tested on its own), based on the store's current revision. */
export async function planFor(
  store: RegistrationStore,
  changes: Change[],
  overrides: Partial<Plan> = {},
): Promise<Plan> {
  const base = await store.fetchRevision()
  return {
    formatVersion: 1,
    sigilVersion: '0.1.0',
    createdAt: '2026-01-01T00:00:00.000Z',
    source: { repo: '/repo', commit: 'abc123', path: '' },
    base: { kind: 'store', ...base },
    desiredDigest: 'desired-1',
    trustDomain: 'example.org',
    safety: { maxDeletions: { kind: 'percent', value: 10 }, entryIdPrefix: 'sigil.' },
    changes,
    accessChanges: [],
    widensAccess: false,
    summary: {
      create: changes.filter((c) => c.action === 'create').length,
      update: changes.filter((c) => c.action === 'update').length,
      delete: changes.filter((c) => c.action === 'delete').length,
      unchanged: 0,
      unmanaged: 0,
    },
    diagnostics: [],
    ...overrides,
  }
}

function recordOf(e: EntryRecord): Record<string, unknown> {
  const { id: _id, sourceCommit: _c, ...rest } = e
  return rest
}

const keyOf = (e: EntryRecord) => entryKey(e.spiffeId, e.parentId, e.selectors)

export const createChange = (e: EntryRecord): Change => ({
  action: 'create',
  kind: e.kind,
  name: e.name,
  key: keyOf(e),
  id: e.id,
  after: recordOf(e),
})

export const updateChange = (before: EntryRecord, after: EntryRecord, fields: string[]): Change => ({
  action: 'update',
  kind: after.kind,
  name: after.name,
  key: keyOf(after),
  id: after.id,
  before: recordOf(before),
  after: recordOf(after),
  fields,
})

export const deleteChange = (e: EntryRecord): Change => ({
  action: 'delete',
  kind: e.kind,
  name: e.name,
  key: keyOf(e),
  id: e.id,
  before: recordOf(e),
})
