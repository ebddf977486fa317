import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { auditRowHash } from '../../../engine/store/audit-chain.js'
import { MIGRATIONS, type Migration } from '../../../engine/store/migrations/index.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'
import { tempDir } from '../../support/git.js'
import { PROJECT_ROOT } from '../../support/cli.js'
import { commit, entryRecord, oldSchemaEntrySql } from '../../unit/engine/store/support.js'

const deps = () => ({ clock: new FakeClock(), random: seededRandom(1) })
const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'store')

async function storeWithHistory(path: string) {
  const store = openSqliteStore(path, deps(), { create: true })
  for (let i = 0; i < 3; i++)
    await commit(store, [{ kind: 'entry', action: 'create', entry: entryRecord(i) }])
  await store.close()
}

/** Runs raw SQL on the file the way an attacker with file access would (triggers dropped first). */
function tamper(path: string, sql: string): void {
  const db = new Database(path)
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;')
  db.exec(sql)
  db.close()
}

describe('sqlite store file', () => {
  it('creates the file only when asked, and refuses a missing one otherwise', () => {
    const path = join(tempDir(), 'sigil.db')
    expect(() => openSqliteStore(path, deps())).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_NOT_FOUND' }),
    )
    expect(existsSync(path)).toBe(false)
  })

  it('keeps lineage and revision across reopen', async () => {
    const path = join(tempDir(), 'sigil.db')
    await storeWithHistory(path)
    const store = openSqliteStore(path, { clock: new FakeClock(), random: seededRandom(99) })
    expect(await store.fetchRevision()).toEqual({ lineage: expect.any(String), revision: 3 })
    expect((await store.fetchRevision()).lineage).toBe((await store.readLiveState()).lineage)
    await store.close()
  })

  it('refuses a SQLite file that is not a sigil store, and a store from a newer sigil', () => {
    const dir = tempDir()
    const foreign = new Database(join(dir, 'other.db'))
    foreign.exec('CREATE TABLE t (x)')
    foreign.close()
    expect(() => openSqliteStore(join(dir, 'other.db'), deps())).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_CORRUPT' }),
    )
    const newer = join(dir, 'newer.db')
    openSqliteStore(newer, deps(), { create: true })
    const db = new Database(newer)
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`)
    db.close()
    expect(() => openSqliteStore(newer, deps())).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_MIGRATION' }),
    )
    writeFileSync(join(dir, 'garbage.db'), 'this is not a database at all, not even close'.repeat(100))
    expect(() => openSqliteStore(join(dir, 'garbage.db'), deps())).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_CORRUPT' }),
    )
  })

  it('migrates forward from each earlier schema version, keeping the data', async () => {
    // a later step on top of the real ones proves the runner resumes from any version
    const extra: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'test-extra',
      sql: 'CREATE TABLE test_extra (x INTEGER)',
    }
    for (let from = 1; from <= MIGRATIONS.length; from++) {
      const path = join(tempDir(), 'sigil.db')
      const store = openSqliteStore(path, deps(), { create: true, migrations: MIGRATIONS.slice(0, from) })
      // this code's commits fit the latest schema only
      if (from === MIGRATIONS.length)
        await commit(store, [{ kind: 'entry', action: 'create', entry: entryRecord(1) }])
      await store.close()
      if (from < MIGRATIONS.length) {
        const db = new Database(path)
        db.exec(oldSchemaEntrySql(1))
        db.close()
      }
      const migrated = openSqliteStore(path, deps(), { migrations: [...MIGRATIONS, extra] })
      expect(await migrated.fetchEntry('sigil.0001')).toMatchObject({ name: 'workload-1' })
      expect(await migrated.verifyAuditLog()).toMatchObject({ ok: true })
      await migrated.close()
      const db = new Database(path)
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1)
      db.close()
    }
  })

  it('opens every checked-in store of an earlier version and reads the same live state', async () => {
    const fixtures = readdirSync(FIXTURES).filter((f) => /^v\d+\.db$/.test(f))
    expect(fixtures.length).toBeGreaterThan(0)
    for (const name of fixtures) {
      const copy = join(tempDir(), name)
      writeFileSync(copy, readFileSync(join(FIXTURES, name)))
      const store = openSqliteStore(copy, deps())
      const expected = JSON.parse(
        readFileSync(join(FIXTURES, name.replace('.db', '.json')), 'utf8'),
      ) as unknown
      expect(await store.readLiveState()).toEqual(expected)
      expect(await store.verifyAuditLog()).toMatchObject({ ok: true })
      await store.close()
    }
  })

  it.each([
    ['an edited row', "UPDATE audit_log SET actor = 'os:mallory' WHERE seq = 2", 2, 'hash-mismatch'],
    ['a deleted row', 'DELETE FROM audit_log WHERE seq = 3', 3, 'gap'],
    ['a truncated tail', 'DELETE FROM audit_log WHERE seq = 4', 3, 'head-mismatch'],
  ])('audit verify detects %s', async (_name, sql, seq, problem) => {
    const path = join(tempDir(), 'sigil.db')
    await storeWithHistory(path)
    tamper(path, sql)
    const store = openSqliteStore(path, deps())
    const result = await store.verifyAuditLog()
    await store.close()
    expect(result).toMatchObject({ ok: false, seq, problem })
  })

  it('audit verify detects an edited row whose own hash was recomputed', async () => {
    const path = join(tempDir(), 'sigil.db')
    await storeWithHistory(path)
    const db = new Database(path)
    const row = db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<string, unknown>
    const hash = auditRowHash(row['prev_hash'] as string, {
      seq: 2,
      atMs: row['at_ms'] as number,
      actor: 'os:mallory',
      event: row['event'] as string,
      revision: row['revision'] as number,
      data: row['data'] as string,
    })
    db.close()
    tamper(path, `UPDATE audit_log SET actor = 'os:mallory', hash = '${hash}' WHERE seq = 2`)
    const store = openSqliteStore(path, deps())
    expect(await store.verifyAuditLog()).toMatchObject({ ok: false, seq: 3, problem: 'chain-broken' })
    await store.close()
  })

  it('stops edits and deletes of audit rows through SQL', async () => {
    const path = join(tempDir(), 'sigil.db')
    await storeWithHistory(path)
    const db = new Database(path)
    expect(() => db.exec("UPDATE audit_log SET actor = 'x'")).toThrow(/append-only/)
    expect(() => db.exec('DELETE FROM audit_log')).toThrow(/append-only/)
    db.close()
  })
})
