import { existsSync, renameSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { gitCacheDirFor } from '../../../engine/source/git-cache.js'
import { loadGitSource, syncGitSource } from '../../../engine/source/git-source.js'
import { commitFiles, git, makeRepo, tempDir } from '../../support/git.js'

const FILES = {
  'td.yaml': 'kind: TrustDomain\n',
  'identities/a.yaml': 'a: 1\n',
  'identities/nested/b.yml': 'b: 2\n',
  'identities/a.test.yaml': 'skipped\n',
  'identities/c.test.yml': 'skipped\n',
  '.github/workflow.yaml': 'skipped\n',
  'identities/.hidden/d.yaml': 'skipped\n',
  'identities/node_modules/e.yaml': 'skipped\n',
  'identities/.dotfile.yaml': 'dot: file\n',
  'README.md': 'not yaml\n',
}

/** A working repository plus a bare remote it pushes to; returns both paths and the remote's file:// URL. */
function makeRemote(files: Record<string, string> = FILES): { work: string; bare: string; url: string } {
  const work = makeRepo(files)
  const bare = join(tempDir('sigil-bare-'), 'remote.git')
  git(work, 'clone', '-q', '--bare', work, bare)
  git(work, 'remote', 'add', 'origin', bare)
  return { work, bare, url: `file://${bare}` }
}

function push(work: string, ...args: string[]): void {
  git(work, 'push', '-q', 'origin', ...args)
}

describe('loadGitSource', () => {
  it('reads the remote HEAD of a file:// remote with the directory selection rules', async () => {
    const { work, url } = makeRemote()
    const snap = await loadGitSource({ url, cacheDir: tempDir() })
    expect(snap.repo).toBe(url)
    expect(snap.commit).toBe(git(work, 'rev-parse', 'HEAD'))
    expect(snap.path).toBe('')
    expect(snap.files.map((f) => f.path)).toEqual([
      'identities/.dotfile.yaml',
      'identities/a.yaml',
      'identities/nested/b.yml',
      'td.yaml',
    ])
    expect(snap.files[1]?.text).toBe('a: 1\n')
  })

  it('accepts a plain local path and narrows to --path', async () => {
    const { work } = makeRemote()
    const snap = await loadGitSource({ url: work, path: './identities/', cacheDir: tempDir() })
    expect(snap.path).toBe('identities')
    expect(snap.files.map((f) => f.path)).toEqual([
      'identities/.dotfile.yaml',
      'identities/a.yaml',
      'identities/nested/b.yml',
    ])
  })

  it('resolves branches, lightweight and annotated tags, and full and short commit SHAs', async () => {
    const { work, url } = makeRemote()
    const first = git(work, 'rev-parse', 'HEAD')
    git(work, 'tag', 'v1')
    git(work, 'tag', '-a', '-m', 'release', 'v1-annotated')
    git(work, 'checkout', '-q', '-b', 'feature/next')
    const feature = commitFiles(work, { 'identities/e.yaml': 'e: 5\n' })
    git(work, 'checkout', '-q', 'main')
    const head = commitFiles(work, { 'identities/f.yaml': 'f: 6\n' })
    push(work, '--all')
    push(work, '--tags')
    const cacheDir = tempDir()
    const load = (ref: string) => loadGitSource({ url, ref, cacheDir })
    expect((await load('main')).commit).toBe(head)
    expect((await load('refs/heads/main')).commit).toBe(head)
    expect((await load('feature/next')).commit).toBe(feature)
    expect((await load('v1')).commit).toBe(first)
    expect((await load('v1-annotated')).commit).toBe(first)
    expect((await load(feature)).commit).toBe(feature)
    // an abbreviated SHA of a commit that is no branch tip: found through the full-history fallback
    expect((await loadGitSource({ url, ref: first.slice(0, 8), cacheDir: tempDir() })).commit).toBe(first)
  })

  it('fetches incrementally into the same cache and skips fetching a commit it already has', async () => {
    const { work, url } = makeRemote()
    const cacheDir = tempDir()
    const first = await syncGitSource({ url, cacheDir })
    expect(first.fetch).toBe('initial')
    expect(first.gitDir).toBe(gitCacheDirFor(cacheDir, url))
    expect(git(first.gitDir, 'rev-parse', '--is-shallow-repository')).toBe('true')
    writeFileSync(join(first.gitDir, 'sigil-test-marker'), 'kept')

    commitFiles(work, { 'identities/g.yaml': 'g: 7\n' })
    const next = commitFiles(work, { 'identities/h.yaml': 'h: 8\n' })
    push(work, 'main')
    const second = await syncGitSource({ url, cacheDir, lastCommit: first.commit })
    expect(second).toMatchObject({
      gitDir: first.gitDir,
      commit: next,
      fetch: 'incremental',
      deepened: false,
    })
    expect(existsSync(join(first.gitDir, 'sigil-test-marker'))).toBe(true)
    expect(git(first.gitDir, 'cat-file', '-t', first.commit)).toBe('commit')

    const third = await syncGitSource({ url, cacheDir, lastCommit: next })
    expect(third.fetch).toBe('none')
    const snap = await loadGitSource({ url, cacheDir, lastCommit: next, path: 'identities' })
    expect(snap.files.map((f) => f.path)).toContain('identities/h.yaml')
    expect(readdirSync(cacheDir).filter((d) => !d.startsWith('.'))).toHaveLength(1)
  })

  it('deepens a shallow cache to prove a fast-forward when the last commit is not cached', async () => {
    const { work, url } = makeRemote()
    const before = git(work, 'rev-parse', 'HEAD')
    commitFiles(work, { 'identities/i.yaml': 'i: 9\n' })
    const after = commitFiles(work, { 'identities/j.yaml': 'j: 10\n' })
    push(work, 'main')
    const result = await syncGitSource({ url, cacheDir: tempDir(), lastCommit: before })
    expect(result).toMatchObject({ commit: after, deepened: true })
  })

  it('reports a force-pushed history with both SHAs and leaves the cache usable', async () => {
    const { work, url } = makeRemote()
    const cacheDir = tempDir()
    const base = git(work, 'rev-parse', 'HEAD')
    const old = commitFiles(work, { 'identities/k.yaml': 'k: 1\n' })
    push(work, 'main')
    expect((await loadGitSource({ url, cacheDir })).commit).toBe(old)

    git(work, 'reset', '-q', '--hard', base)
    const rewritten = commitFiles(work, { 'identities/l.yaml': 'l: 2\n' })
    push(work, '--force', 'main')
    await expect(loadGitSource({ url, cacheDir, lastCommit: old })).rejects.toMatchObject({
      code: 'ERR_SOURCE_HISTORY_REWRITTEN',
      data: { previousCommit: old, commit: rewritten },
    })
    // a fresh cache reaches the same verdict through the full history
    await expect(loadGitSource({ url, cacheDir: tempDir(), lastCommit: old })).rejects.toMatchObject({
      code: 'ERR_SOURCE_HISTORY_REWRITTEN',
    })
    // the operator accepts the rewrite by loading without (or with the new) last commit
    expect((await loadGitSource({ url, cacheDir, lastCommit: rewritten })).commit).toBe(rewritten)
  })

  it('rejects an unknown ref, a ref that looks like an option and a missing path', async () => {
    const { url } = makeRemote()
    const cacheDir = tempDir()
    await expect(loadGitSource({ url, cacheDir, ref: 'no-such-branch' })).rejects.toMatchObject({
      code: 'ERR_SOURCE_REF_NOT_FOUND',
      data: { ref: 'no-such-branch' },
    })
    await expect(loadGitSource({ url, cacheDir, ref: '--upload-pack=touch /tmp/x' })).rejects.toMatchObject({
      code: 'ERR_SOURCE_REF_NOT_FOUND',
    })
    await expect(loadGitSource({ url, cacheDir, ref: 'deadbeefdeadbeef' })).rejects.toMatchObject({
      code: 'ERR_SOURCE_REF_NOT_FOUND',
    })
    await expect(loadGitSource({ url, cacheDir, path: 'nope' })).rejects.toMatchObject({
      code: 'ERR_SOURCE_EMPTY',
      data: { path: 'nope' },
    })
    await expect(loadGitSource({ url, cacheDir, path: 'td.yaml' })).rejects.toMatchObject({
      code: 'ERR_SOURCE_EMPTY',
    })
  })

  it('reports an empty repository as empty, never as an empty snapshot', async () => {
    const bare = join(tempDir(), 'empty.git')
    mkdirSync(bare)
    git(bare, 'init', '-q', '--bare')
    await expect(loadGitSource({ url: `file://${bare}`, cacheDir: tempDir() })).rejects.toMatchObject({
      code: 'ERR_SOURCE_EMPTY',
    })
  })

  it('reports unreachable remotes without printing credentials', async () => {
    const cacheDir = tempDir()
    await expect(loadGitSource({ url: join(tempDir(), 'missing'), cacheDir })).rejects.toMatchObject({
      code: 'ERR_SOURCE_UNREACHABLE',
    })
    const url = 'https://user:s3cr3t-token@127.0.0.1:1/x.git'
    const err: unknown = await loadGitSource({ url, cacheDir, timeoutMs: 10_000 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_SOURCE_UNREACHABLE', data: { url: 'https://127.0.0.1:1/x.git' } })
    const shown = JSON.stringify({ message: (err as Error).message, data: (err as { data: unknown }).data })
    expect(shown).not.toContain('s3cr3t')
    expect(readdirSync(gitCacheDirFor(cacheDir, url))).not.toContain('FETCH_HEAD')
  })

  it('keeps a working cache after a failed fetch, and rebuilds a damaged one', async () => {
    const { work, bare, url } = makeRemote()
    const cacheDir = tempDir()
    const good = await loadGitSource({ url, cacheDir })
    renameSync(bare, `${bare}.away`)
    commitFiles(work, { 'identities/m.yaml': 'm: 1\n' })
    await expect(loadGitSource({ url, cacheDir, lastCommit: good.commit })).rejects.toMatchObject({
      code: 'ERR_SOURCE_UNREACHABLE',
    })
    renameSync(`${bare}.away`, bare)
    expect(await syncGitSource({ url, cacheDir, lastCommit: good.commit })).toMatchObject({
      commit: good.commit,
      fetch: 'none',
    })

    const gitDir = gitCacheDirFor(cacheDir, url)
    writeFileSync(join(gitDir, 'HEAD'), 'garbage')
    expect((await loadGitSource({ url, cacheDir })).commit).toBe(good.commit)
  })
})
