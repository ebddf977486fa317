// Writes test/fixtures/store/v<N>.db and v<N>.json for the current schema version. Run it once when a
// schema version is released (SIGIL_MAKE_STORE_FIXTURE=1), then commit the files: later versions
// must keep opening them (sqlite-file.test.ts).
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { it } from 'vitest'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { MIGRATIONS } from '../../../engine/store/migrations/index.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'
import { PROJECT_ROOT } from '../../support/cli.js'
import { commit, entryRecord } from '../../unit/engine/store/support.js'

it.runIf(process.env['SIGIL_MAKE_STORE_FIXTURE'] === '1')(
  'writes the store fixture of this schema version',
  async () => {
    const version = MIGRATIONS.length
    const path = join(PROJECT_ROOT, 'test', 'fixtures', 'store', `v${version}.db`)
    rmSync(path, { force: true })
    const store = openSqliteStore(
      path,
      { clock: new FakeClock(), random: seededRandom(version) },
      { create: true },
    )
    await commit(store, [
      { kind: 'trustDomain', action: 'create', name: 'example.org' },
      { kind: 'scope', action: 'create', scope: { name: 'read:x', description: 'Read x' } },
      {
        kind: 'role',
        action: 'create',
        role: { name: 'reader', description: 'readers', scopes: ['read:x'] },
      },
      { kind: 'entry', action: 'create', entry: entryRecord(1, { protect: true }) },
      { kind: 'entry', action: 'create', entry: entryRecord(2, { id: 'manual-2', name: '' }) },
      {
        kind: 'entry',
        action: 'create',
        entry: entryRecord(3, { kind: 'Node', parentId: 'spiffe://example.org/spire/server' }),
      },
    ])
    await commit(store, [
      { kind: 'entry', action: 'update', entry: entryRecord(1, { protect: true, hint: 'v2' }) },
    ])
    const live = await store.readLiveState()
    await store.close()
    // checkpoint so the fixture is one self-contained file
    const Database = (await import('better-sqlite3')).default
    const db = new Database(path)
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.pragma('journal_mode = DELETE')
    db.close()
    writeFileSync(path.replace('.db', '.json'), JSON.stringify(live, null, 2) + '\n')
  },
)
