import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadGitSource } from '../../../engine/source/git-source.js'
import { readGitRevision } from '../../../engine/source/git-revision.js'
import { readDirectory } from '../../../engine/source/read-directory.js'
import { readWorkingTree } from '../../../engine/source/working-tree.js'
import { commitFiles, git, makeRepo, tempDir, writeFiles } from '../../support/git.js'

const FILES = {
  'identities/a.yaml': 'a: 1\n',
  'identities/team/b.yml': 'b: 2\n',
  'identities/a.test.yaml': 'skipped\n',
  'identities/.ci/c.yaml': 'skipped\n',
  'other/x.yaml': 'x: 1\n',
}

describe('readGitRevision', () => {
  it('reads another revision, like readDirectory reads the working tree', async () => {
    const repo = makeRepo(FILES)
    const base = git(repo, 'rev-parse', 'HEAD')
    git(repo, 'branch', 'base')
    commitFiles(repo, { 'identities/a.yaml': 'a: changed\n', 'identities/new.yaml': 'n: 1\n' })

    const old = await readGitRevision({ repoDir: repo, ref: 'base', path: 'identities' })
    expect(old).toMatchObject({ repo, commit: base, path: 'identities' })
    expect(old.files).toEqual([
      { path: 'identities/a.yaml', text: 'a: 1\n' },
      { path: 'identities/team/b.yml', text: 'b: 2\n' },
    ])
    const head = await readGitRevision({ repoDir: repo, ref: 'HEAD', path: 'identities' })
    const disk = await readDirectory(repo, { path: 'identities' })
    expect(head.files).toEqual(disk.files)
    expect((await readGitRevision({ repoDir: repo, ref: 'HEAD~1' })).commit).toBe(base)
  })

  it('treats a directory inside the repository as the root of the read', async () => {
    const repo = makeRepo(FILES)
    const snap = await readGitRevision({ repoDir: join(repo, 'identities'), ref: 'HEAD', path: 'team' })
    expect(snap.files.map((f) => f.path)).toEqual(['team/b.yml'])
  })

  it('gives coded errors for an unknown revision, a missing path and a plain directory', async () => {
    const repo = makeRepo(FILES)
    await expect(readGitRevision({ repoDir: repo, ref: 'origin/main' })).rejects.toMatchObject({
      code: 'ERR_SOURCE_REF_NOT_FOUND',
    })
    await expect(readGitRevision({ repoDir: repo, ref: '--output=/tmp/x' })).rejects.toMatchObject({
      code: 'ERR_SOURCE_REF_NOT_FOUND',
    })
    await expect(readGitRevision({ repoDir: repo, ref: 'HEAD', path: 'missing' })).rejects.toMatchObject({
      code: 'ERR_SOURCE_EMPTY',
    })
    const plain = tempDir()
    mkdirSync(join(plain, 'sub'))
    await expect(readGitRevision({ repoDir: join(plain, 'sub'), ref: 'HEAD' })).rejects.toMatchObject({
      code: 'ERR_SOURCE_IO',
    })
  })

  it('matches what a Git source of the same commit reads', async () => {
    const repo = makeRepo(FILES)
    const local = await readGitRevision({ repoDir: repo, ref: 'main', path: 'identities' })
    const remote = await loadGitSource({
      url: `file://${repo}`,
      ref: 'main',
      path: 'identities',
      cacheDir: tempDir(),
    })
    expect(remote.files).toEqual(local.files)
    expect(remote.commit).toBe(local.commit)
  })
})

describe('readWorkingTree', () => {
  it('records HEAD for a clean tree and marks a changed one dirty', async () => {
    const repo = makeRepo(FILES)
    const head = git(repo, 'rev-parse', 'HEAD')
    const clean = await readWorkingTree({ repoDir: repo, path: 'identities' })
    expect(clean.commit).toBe(head)
    expect(clean.dirty).toBeUndefined()

    // a change outside the read path, or to a file that is not read, keeps it clean
    writeFiles(repo, { 'other/x.yaml': 'x: 2\n', 'identities/notes.md': 'hi\n' })
    expect((await readWorkingTree({ repoDir: repo, path: 'identities' })).commit).toBe(head)

    writeFiles(repo, { 'identities/untracked.yaml': 'u: 1\n' })
    const dirty = await readWorkingTree({ repoDir: repo, path: 'identities' })
    expect(dirty.commit).toBeUndefined()
    expect(dirty.dirty).toBe(true)
    expect(dirty.files.map((f) => f.path)).toContain('identities/untracked.yaml')
  })

  it('treats a git-ignored YAML file as a change, and a plain directory as neither clean nor dirty', async () => {
    const repo = makeRepo({ ...FILES, '.gitignore': 'local.yaml\n' })
    writeFileSync(join(repo, 'identities', 'local.yaml'), 'l: 1\n')
    expect((await readWorkingTree({ repoDir: repo })).dirty).toBe(true)

    const plain = tempDir()
    writeFiles(plain, { 'a.yaml': 'a: 1\n' })
    const snap = await readWorkingTree({ repoDir: plain })
    expect(snap.commit).toBeUndefined()
    expect(snap.dirty).toBeUndefined()
  })
})
