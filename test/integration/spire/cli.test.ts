import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseModel } from '../../../engine/model/parse-model.js'
import { readDirectory } from '../../../engine/source/read-directory.js'
import { formatEntryCreateData, spireEntriesFromDesired } from '../../../engine/spire/export-entries.js'
import { PROJECT_ROOT, runSigil } from '../../support/cli.js'
import { tempDir } from '../../support/git.js'

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'spire')

/** Every file under `dir` (relative path → text). */
function readTree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`
    if (entry.isDirectory()) Object.assign(out, readTree(dir, path))
    else out[path] = readFileSync(join(dir, path), 'utf8')
  }
  return out
}

interface ExportedEntry {
  readonly spiffe_id: string
  readonly parent_id: string
  readonly entry_id?: string
}

/** The entries `export spire DIR` would write, computed in-process. */
async function repositoryEntries(dir: string): Promise<ExportedEntry[]> {
  const model = parseModel(await readDirectory(dir))
  const entries = spireEntriesFromDesired(model.desired)
  if (!entries.ok) throw new Error('export failed')
  return (JSON.parse(formatEntryCreateData(entries.value)) as { entries: ExportedEntry[] }).entries
}

const keys = (entries: readonly ExportedEntry[]) => entries.map((e) => `${e.spiffe_id} ${e.parent_id}`).sort()

describe('sigil import spire / export spire', () => {
  let work: string
  let repo: string

  beforeAll(async () => {
    work = tempDir()
    repo = join(work, 'repo')
    const imported = await runSigil([
      'import',
      'spire',
      join(FIXTURES, 'entry-create-data.json'),
      '--out',
      repo,
    ])
    expect(imported.code).toBe(0)
  })

  it('imports entry create -data JSON to a repository that lints clean, and round-trips through export', async () => {
    expect(existsSync(join(repo, 'trust-domain.yaml'))).toBe(true)
    expect((await runSigil(['lint', repo])).code).toBe(0)
    const file = join(work, 'entries.json')
    expect((await runSigil(['export', 'spire', repo, '--out', file])).code).toBe(0)
    const again = join(work, 'again')
    const reimported = await runSigil(['import', 'spire', '-', '--out', again], {
      input: readFileSync(file, 'utf8'),
    })
    expect(reimported.code).toBe(0)
    expect(readTree(again)).toEqual(readTree(repo))
  })

  it('imports entry show -output json to a repository that lints clean', async () => {
    const out = join(tempDir(), 'show')
    expect(
      (await runSigil(['import', 'spire', join(FIXTURES, 'entry-show-json.json'), '--out', out])).code,
    ).toBe(0)
    const exported = await runSigil(['export', 'spire', out])
    expect(exported.code).toBe(0)
    expect(keys((JSON.parse(exported.stdout) as { entries: ExportedEntry[] }).entries)).toEqual(
      keys(await repositoryEntries(out)),
    )
  })

  it('rejects input that is neither shape, naming the entry, and writes nothing', async () => {
    const dir = tempDir()
    const input = join(dir, 'bad.json')
    writeFileSync(
      input,
      JSON.stringify({
        entries: [
          { spiffe_id: 'spiffe://example.org/a', parent_id: 'spiffe://example.org/b', selectors: [] },
          { id: 'x', spiffe_id: { trust_domain: 'example.org', path: '/c' } },
        ],
      }),
    )
    const result = await runSigil(['import', 'spire', input, '--out', join(dir, 'out')])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('ERR_IMPORT_FIELD')
    expect(result.stderr).toContain('ERR_IMPORT_SHAPE')
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })

  it('refuses to write into a directory that already holds YAML unless forced', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'mine.yaml'), 'kept: true\n')
    const input = join(FIXTURES, 'entry-create-data.json')
    expect((await runSigil(['import', 'spire', input, '--out', dir])).code).toBe(1)
    expect(existsSync(join(dir, 'trust-domain.yaml'))).toBe(false)
    expect((await runSigil(['import', 'spire', input, '--out', dir, '--force'])).code).toBe(0)
    expect(readFileSync(join(dir, 'mine.yaml'), 'utf8')).toBe('kept: true\n')
  })

  it('exports the live store after an apply, with the store entry IDs', async () => {
    const dataDir = join(work, 'data')
    expect((await runSigil(['apply', repo, '--data-dir', dataDir, '--auto-approve'])).code).toBe(0)
    const fromStore = await runSigil(['export', 'spire', '--data-dir', dataDir])
    expect(fromStore.code).toBe(0)
    const storeEntries = (JSON.parse(fromStore.stdout) as { entries: ExportedEntry[] }).entries
    expect(keys(storeEntries)).toEqual(keys(await repositoryEntries(repo)))
    expect(storeEntries.every((e) => typeof e.entry_id === 'string' && e.entry_id !== '')).toBe(true)
  })

  it('fails cleanly when there is no store', async () => {
    const result = await runSigil(['export', 'spire', '--data-dir', join(tempDir(), 'none')])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('ERR_STORE_NOT_FOUND')
  })
})
