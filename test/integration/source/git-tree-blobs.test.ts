/** readTreeFiles with a blob cache reads only blobs it has not seen, and returns what a plain read does. */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lastTreeBlobCache, readTreeFiles, type BlobTextCache } from '../../../engine/source/git-tree.js'
import { commitFiles, git, makeRepo } from '../../support/git.js'

/** The cache, counting the blobs a read had to fetch from git. */
function counting(): { cache: BlobTextCache; fetched: () => number } {
  const inner = lastTreeBlobCache()
  let misses = new Set<string>()
  const cache: BlobTextCache = {
    has: (oid) => inner.has(oid) || (misses.add(oid), false),
    get: (oid) => inner.get(oid),
    keep: (blobs) => inner.keep(blobs),
  }
  return {
    cache,
    fetched: () => {
      const n = misses.size
      misses = new Set()
      return n
    },
  }
}

describe('readTreeFiles with a blob cache', () => {
  it('reads changed blobs only and returns the same files as a plain read', async () => {
    const repo = makeRepo({ 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n', 'sub/c.yaml': 'c: 1\n' })
    const context = { cwd: repo, gitDir: join(repo, '.git') }
    const { cache, fetched } = counting()
    const read = async () => {
      const head = git(repo, 'rev-parse', 'HEAD')
      const cached = await readTreeFiles(context, head, '', '', cache)
      expect(cached).toEqual(await readTreeFiles(context, head, '', ''))
      return cached
    }
    await read()
    expect(fetched()).toBe(3)
    commitFiles(repo, { 'a.yaml': 'a: 2\n' })
    await read()
    expect(fetched()).toBe(1)
    // a rename and a copy: content already known under other paths
    git(repo, 'mv', 'b.yaml', 'sub/b2.yaml')
    commitFiles(repo, { 'copy.yaml': 'c: 1\n' })
    expect((await read()).map((f) => f.path)).toEqual(['a.yaml', 'copy.yaml', 'sub/b2.yaml', 'sub/c.yaml'])
    expect(fetched()).toBe(0)
    rmSync(join(repo, 'sub/c.yaml'))
    commitFiles(repo, { 'd.yaml': 'd: 1\n' })
    expect((await read()).map((f) => f.path)).toEqual(['a.yaml', 'copy.yaml', 'd.yaml', 'sub/b2.yaml'])
    expect(fetched()).toBe(1)
  })
})
