import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT, runSigil } from '../../support/cli.js'
import { tempDir } from '../../support/git.js'

// `sigil access unused` against examples/quickstart applied to a store and a recorded decision log
describe('sigil access unused', () => {
  const dir = tempDir('sigil-access-')
  const dataDir = join(dir, 'data')
  const repo = join(dir, 'repo')
  const WEB = 'spiffe://example.org/quickstart/web'

  beforeAll(async () => {
    cpSync(join(PROJECT_ROOT, 'examples/quickstart'), repo, { recursive: true })
    const applied = await runSigil(['apply', repo, '--data-dir', dataDir, '--auto-approve'])
    expect(applied.code).toBe(0)
    // web used both of its scopes (lastMs far ahead, so inside any window); db never wrote a backup
    const line = (scope: string) =>
      JSON.stringify({
        type: 'decision',
        day: '2026-11-23',
        spiffeId: WEB,
        scope,
        decision: 'allow',
        roles: ['orders-client'],
        count: 3,
        firstMs: 0,
        lastMs: 8.64e15,
      })
    writeFileSync(join(dataDir, 'decisions.jsonl'), `${line('read:orders')}\n${line('write:orders')}\n`)
  })

  it('skips principals created inside the window', async () => {
    const r = await runSigil([
      'access',
      'unused',
      '--since',
      '30d',
      '--data-dir',
      dataDir,
      '--format',
      'json',
    ])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as { unused: unknown[]; tooNew: string[] }
    expect(out.unused).toEqual([])
    expect(out.tooNew).toContain(WEB)
  })

  it('lists the unused grant and patches the Role YAML', async () => {
    // a 1 ms window: every principal was created before it
    const r = await runSigil(['access', 'unused', '--since', '1ms', '--data-dir', dataDir, '--patch', repo])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('spiffe://example.org/quickstart/db  write:backups  via role backup-writer')
    expect(r.stdout).toContain('access.yaml: Role backup-writer: removed scope write:backups')
    const access = readFileSync(join(repo, 'access.yaml'), 'utf8')
    expect(access).toBe(
      readFileSync(join(PROJECT_ROOT, 'examples/quickstart/access.yaml'), 'utf8').replace(
        "scopes: ['write:backups']",
        'scopes: []',
      ),
    )
  })
})
