/**
 * Reading the identity files of one commit straight from the object database (SHELL): `ls-tree` for
 * the file list and one `cat-file --batch` for the contents, so no checkout is ever needed.
 */
import { posix } from 'node:path'
import { EngineError } from '../core/errors.js'
import type { SourceFile } from '../model/types.js'
import { gitError, readBlobs, runGit, type GitContext } from './git-exec.js'
import { isRepositoryYaml } from './read-directory.js'

/**
 * Same selection as `readDirectory`: `*.yaml`/`*.yml` but not `*.test.yaml`/`*.test.yml`, nothing under a
 * dot-directory or `node_modules`. `relativePath` is relative to the directory being read.
 */
export function isIdentityFile(relativePath: string): boolean {
  const segments = relativePath.split('/')
  const name = segments.pop() ?? ''
  if (segments.some((s) => s.startsWith('.') || s === 'node_modules')) return false
  return isRepositoryYaml(name)
}

/** `path` as a clean repository-relative directory ('' = root); ERR_SOURCE_EMPTY when it escapes the repository. */
export function normalizeSourcePath(path: string | undefined): string {
  if (path === undefined) return ''
  const cleaned = posix.normalize(path.replace(/\\/g, '/').replace(/^\/+/, '')).replace(/\/+$/, '')
  if (cleaned === '.' || cleaned === '') return ''
  if (cleaned === '..' || cleaned.startsWith('../')) {
    throw new EngineError('ERR_SOURCE_EMPTY', `path ${path} is outside the repository`, { data: { path } })
  }
  return cleaned
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The identity files under `path` at `commit`, sorted, each path prefixed with `prefix` (as
 * `readDirectory` reports paths relative to the directory it was given, not to `path`).
 * ERR_SOURCE_EMPTY when `path` does not exist at that commit or is not a directory. Symbolic links
 * are not followed.
 */
export async function readTreeFiles(
  context: GitContext,
  commit: string,
  path: string,
  prefix: string,
  blobCache?: BlobTextCache,
): Promise<SourceFile[]> {
  const treeish = path === '' ? `${commit}^{tree}` : `${commit}:${path}`
  let type: string
  try {
    type = (await runGit(context, ['cat-file', '-t', '--end-of-options', treeish])).trim()
  } catch {
    throw new EngineError('ERR_SOURCE_EMPTY', `path ${path} does not exist at commit ${commit}`, {
      data: { commit, path },
    })
  }
  if (type !== 'tree') {
    throw new EngineError('ERR_SOURCE_EMPTY', `path ${path} is not a directory at commit ${commit}`, {
      data: { commit, path },
    })
  }
  let listing: string
  try {
    listing = await runGit(context, ['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', treeish])
  } catch (err) {
    throw gitError('ERR_SOURCE_IO', `cannot list the files of commit ${commit}`, err, { commit, path })
  }
  const wanted: { path: string; oid: string }[] = []
  for (const record of listing.split('\0')) {
    if (record === '') continue
    const tab = record.indexOf('\t')
    const [mode, objectType, oid] = record.slice(0, tab).split(' ')
    const file = record.slice(tab + 1)
    // symlinks (120000) and submodules (commit) are not read, as a checkout would not give YAML either
    if (objectType !== 'blob' || mode === '120000' || oid === undefined) continue
    if (isIdentityFile(file)) wanted.push({ path: prefix === '' ? file : `${prefix}/${file}`, oid })
  }
  wanted.sort((a, b) => cmp(a.path, b.path))
  // a blob ID names its content: texts already read are not read again
  const missing = [...new Set(wanted.map((w) => w.oid).filter((oid) => !blobCache?.has(oid)))]
  const blobs = await readBlobs(context, missing)
  const texts = new Map(blobs.map((b) => [b.oid, b.data.toString('utf8')]))
  const files = wanted.map((w) => ({
    path: w.path,
    text: (texts.get(w.oid) ?? blobCache?.get(w.oid)) as string,
  }))
  blobCache?.keep(wanted.map((w, i) => [w.oid, (files[i] as SourceFile).text]))
  return files
}

/** Texts of blobs by blob ID, kept between reads of one repository. */
export interface BlobTextCache {
  has(oid: string): boolean
  get(oid: string): string | undefined
  /** Called after each read with the blobs it returned. */
  keep(blobs: readonly (readonly [string, string])[]): void
}

/** A cache holding the blobs of the last read only (so it never grows beyond one tree). */
export function lastTreeBlobCache(): BlobTextCache {
  let held = new Map<string, string>()
  return {
    has: (oid) => held.has(oid),
    get: (oid) => held.get(oid),
    keep: (blobs) => {
      held = new Map(blobs)
    },
  }
}
