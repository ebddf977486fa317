// The plan/apply journey through the real CLI against a real Git repository:
// create → no-op → update (keeps the ID) → stale plan → mass deletion → override → unmanaged
// entries untouched → protected entries → empty target → --base-ref preview → audit.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { FakeClock } from '../../support/fake-clock.js'
import { commitFiles, git, makeRepo, tempDir } from '../../support/git.js'
import { seededRandom } from '../../support/seeded-random.js'
import { entryRecord } from '../../unit/engine/store/support.js'
import { identityFiles, listEntries, listEntriesCli, sigil, storePath } from './support.js'

interface PlanJson {
  base: { kind: string; revision: number; ref?: string }
  source: { commit: string }
  changes: { action: string; kind: string; name: string; id?: string; fields?: string[] }[]
  summary: { create: number; update: number; delete: number; unchanged: number; unmanaged: number }
}

describe('sigil plan / apply workflow', () => {
  let repo: string
  let data: string
  let work: string
  const planJson = async (...extra: string[]) => {
    const r = await sigil(data, 'plan', repo, '--format', 'json', ...extra)
    expect(r.stderr).toBe('')
    return JSON.parse(r.stdout) as PlanJson
  }

  beforeAll(() => {
    repo = makeRepo(identityFiles({ entries: 20 }))
    work = tempDir()
    data = join(work, 'data')
  })

  it('creates everything from a saved plan, with exit 2 under --detailed-exitcode', async () => {
    const planFile = join(work, 'create.json')
    const plan = await sigil(data, 'plan', repo, '-o', planFile, '--detailed-exitcode')
    expect(plan.code).toBe(2)
    const apply = await sigil(data, 'apply', planFile)
    expect(apply.code).toBe(0)
    const entries = await listEntriesCli(data)
    expect(entries).toHaveLength(21)
    expect(entries.every((e) => e.managed && e.id.startsWith('sigil.'))).toBe(true)
    expect(entries.every((e) => e.sourceCommit === git(repo, 'rev-parse', 'HEAD'))).toBe(true)
  })

  it('plans no changes the second time (exit 0)', async () => {
    const r = await sigil(data, 'plan', repo, '--detailed-exitcode', '--format', 'json')
    expect(r.code).toBe(0)
    const plan = JSON.parse(r.stdout) as PlanJson
    expect(plan.summary).toMatchObject({ create: 0, update: 0, delete: 0, unchanged: 22 })
  })

  it('updates an edited entry in place, keeping its live ID', async () => {
    const before = (await listEntries(data)).find((e) => e.name === 'w3')
    const commit = commitFiles(repo, identityFiles({ entries: 20, hint: (i) => (i === 3 ? 'edited' : '') }))
    const plan = await planJson()
    expect(plan.changes).toEqual([
      expect.objectContaining({
        action: 'update',
        kind: 'Entry',
        name: 'w3',
        id: before?.id,
        fields: ['hint'],
      }),
    ])
    const r = await sigil(data, 'apply', repo, '--auto-approve')
    expect(r.code).toBe(0)
    const after = (await listEntries(data)).find((e) => e.name === 'w3')
    expect(after).toMatchObject({ id: before?.id, hint: 'edited', revisionNumber: 1, sourceCommit: commit })
  })

  it('refuses a plan made before another apply as stale, changing nothing', async () => {
    commitFiles(repo, identityFiles({ entries: 21, hint: (i) => (i === 3 ? 'edited' : '') }))
    const planFile = join(work, 'stale.json')
    expect((await sigil(data, 'plan', repo, '-o', planFile)).code).toBe(0)
    expect((await sigil(data, 'apply', repo, '--auto-approve')).code).toBe(0)
    const countBefore = (await listEntries(data)).length
    const r = await sigil(data, 'apply', planFile)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('ERR_PLAN_STALE')
    expect(await listEntries(data)).toHaveLength(countBefore)
  })

  it('refuses mass deletion, then applies it with --max-deletions', async () => {
    const files = identityFiles({ entries: 21, skip: (i) => i >= 16 })
    commitFiles(repo, files, 'remove five entries')
    const refused = await sigil(data, 'apply', repo, '--auto-approve')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('ERR_APPLY_TOO_MANY_DELETIONS')
    expect(await listEntries(data)).toHaveLength(22)
    const forced = await sigil(data, 'apply', repo, '--auto-approve', '--max-deletions', '5')
    expect(forced.code).toBe(0)
    expect(await listEntries(data)).toHaveLength(17)
  })

  it('counts unmanaged entries and never changes or deletes them', async () => {
    const store = openSqliteStore(storePath(data), { clock: new FakeClock(), random: seededRandom() })
    await store.commitChanges({
      base: await store.fetchRevision(),
      writes: [
        { kind: 'entry', action: 'create', entry: entryRecord(1, { id: 'spire-manual-1', name: '' }) },
      ],
      atMs: Date.now(),
      audit: { actor: 'os:someone-else', details: {}, changes: [] },
    })
    await store.close()
    const plan = await planJson()
    expect(plan.summary).toMatchObject({ unmanaged: 1, delete: 0 })
    commitFiles(repo, identityFiles({ entries: 21, skip: (i) => i >= 15 }))
    expect((await sigil(data, 'apply', repo, '--auto-approve')).code).toBe(0)
    const manual = (await listEntries(data)).filter((e) => !e.managed)
    expect(manual).toEqual([expect.objectContaining({ id: 'spire-manual-1', revisionNumber: 0 })])
  })

  it('refuses to delete a protected entry until protect is removed in Git', async () => {
    commitFiles(repo, identityFiles({ entries: 15, protect: (i) => i === 0 }))
    expect((await sigil(data, 'apply', repo, '--auto-approve')).code).toBe(0)
    commitFiles(repo, identityFiles({ entries: 15, skip: (i) => i === 0 }))
    const refused = await sigil(data, 'apply', repo, '--auto-approve')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('ERR_APPLY_PROTECTED')
    commitFiles(repo, identityFiles({ entries: 15 }))
    expect((await sigil(data, 'apply', repo, '--auto-approve')).code).toBe(0)
    commitFiles(repo, identityFiles({ entries: 15, skip: (i) => i === 0 }))
    expect((await sigil(data, 'apply', repo, '--auto-approve')).code).toBe(0)
  })

  it('refuses a plan that empties the store unless --allow-empty', async () => {
    commitFiles(repo, identityFiles({ entries: 0, node: false }))
    const refused = await sigil(data, 'apply', repo, '--auto-approve', '--max-deletions', '100%')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('ERR_APPLY_EMPTY_TARGET')
    const r = await sigil(data, 'apply', repo, '--auto-approve', '--max-deletions', '100%', '--allow-empty')
    expect(r.code).toBe(0)
    expect((await listEntries(data)).map((e) => e.id)).toEqual(['spire-manual-1'])
  })

  it('previews a branch against --base-ref with no store at all', async () => {
    git(repo, 'checkout', '-q', '-b', 'feature')
    commitFiles(repo, identityFiles({ entries: 2, hint: () => 'x' }))
    const fresh = join(tempDir(), 'never-created')
    const r = await sigil(
      fresh,
      'plan',
      repo,
      '--base-ref',
      'main',
      '--format',
      'json',
      '--detailed-exitcode',
    )
    expect(r.code).toBe(2)
    const plan = JSON.parse(r.stdout) as PlanJson
    expect(plan.base).toMatchObject({ kind: 'git', ref: 'main' })
    // main declares no entries and no node alias; the branch adds both
    expect(plan.summary).toMatchObject({ create: 3 })
    expect(existsSync(storePath(fresh))).toBe(false)
    const md = await sigil(fresh, 'plan', repo, '--base-ref', 'main', '--format', 'markdown')
    expect(md.code).toBe(0)
    expect(md.stdout).toContain('w1')
    const planFile = join(work, 'preview.json')
    await sigil(fresh, 'plan', repo, '--base-ref', 'main', '-o', planFile)
    const applied = await sigil(data, 'apply', planFile)
    expect(applied.code).toBe(1)
    expect(applied.stderr).toContain('ERR_PLAN_INVALID_INPUT')
    git(repo, 'checkout', '-q', 'main')
  })

  it('refuses a corrupt plan file and one from another format version', async () => {
    const good = join(work, 'fresh.json')
    commitFiles(repo, identityFiles({ entries: 3 }))
    await sigil(data, 'plan', repo, '-o', good)
    const corrupt = join(work, 'corrupt.json')
    writeFileSync(corrupt, readFileSync(good, 'utf8').slice(0, 200))
    expect((await sigil(data, 'apply', corrupt)).stderr).toContain('ERR_PLAN_CORRUPT')
    const edited = join(work, 'edited.json')
    writeFileSync(edited, readFileSync(good, 'utf8').replace('"w1"', '"w99"'))
    expect((await sigil(data, 'apply', edited)).stderr).toContain('ERR_PLAN_CORRUPT')
    const future = join(work, 'future.json')
    writeFileSync(future, readFileSync(good, 'utf8').replace('"formatVersion": 1', '"formatVersion": 2'))
    const r = await sigil(data, 'apply', future)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('ERR_PLAN_FORMAT_VERSION')
    expect((await sigil(data, 'apply', good)).code).toBe(0)
  })

  it('asks before applying, and refuses without a terminal or --auto-approve', async () => {
    commitFiles(repo, identityFiles({ entries: 4 }))
    const r = await sigil(data, 'apply', repo)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('ERR_APPLY_NOT_CONFIRMED')
  })

  it('refuses to plan a repository with lint errors, printing the findings', async () => {
    const broken = makeRepo({
      ...identityFiles({ entries: 1 }),
      'bad.yaml':
        'apiVersion: sigil/v1\nkind: Entry\nmetadata: { name: bad }\nspec: { spiffeID: "not-an-id" }\n',
    })
    const r = await sigil(data, 'plan', broken)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('bad.yaml')
  })

  it('plans from a Git URL and ref', async () => {
    const r = await sigil(data, 'plan', '--git', repo, '--ref', 'feature', '--format', 'json')
    expect(r.code).toBe(0)
    const plan = JSON.parse(r.stdout) as PlanJson
    expect(plan.source.commit).toBe(git(repo, 'rev-parse', 'feature'))
  })

  it('keeps an intact audit log of every apply', async () => {
    const verify = await sigil(data, 'audit', 'verify')
    expect(verify.code).toBe(0)
    const list = await sigil(data, 'audit', 'list', '--since', '7d', '--format', 'json')
    const rows = (JSON.parse(list.stdout) as { records: { event: string; actor: string }[] }).records
    expect(rows.filter((r) => r.event === 'apply').length).toBeGreaterThanOrEqual(8)
    expect(rows.some((r) => r.actor === 'os:someone-else')).toBe(true)
    const db = new Database(storePath(data))
    db.exec('DROP TRIGGER audit_log_no_update')
    db.exec("UPDATE audit_log SET actor = 'os:mallory' WHERE seq = 2")
    db.close()
    const broken = await sigil(data, 'audit', 'verify')
    expect(broken.code).toBe(1)
    expect(broken.stderr).toContain('row 2 (hash-mismatch)')
  })
})
