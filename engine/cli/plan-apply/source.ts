/** Where `plan` and `apply` read the desired state from: a directory, or a Git URL and ref. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { SourceSnapshot } from '../../model/types.js'
import { loadGitSource } from '../../source/git-source.js'
import { readGitRevision } from '../../source/git-revision.js'
import { readDirectory } from '../../source/read-directory.js'
import { dataDirOf, ensurePrivateDir, type StoreFlags } from '../store-options.js'

export interface SourceFlags extends StoreFlags {
  readonly git?: string
  readonly ref?: string
  readonly path?: string
}

const run = promisify(execFile)

/** HEAD of the repository holding `dir`; '' outside Git or when YAML under `path` differs from HEAD. */
async function workingTreeCommit(dir: string, path: string): Promise<string> {
  try {
    const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim()
    const status = (await run('git', ['status', '--porcelain', '-uall', '--', path || '.'], { cwd: dir }))
      .stdout
    // plan files and the data directory may live in the tree; only identity YAML makes it dirty,
    // and a dirty tree is no commit (docs/plan-format.md: source.commit)
    const dirty = status.split('\n').some((line) => /\.ya?ml"?$/.test(line.trim()))
    return dirty ? '' : head
  } catch {
    return ''
  }
}

function gitCacheDir(flags: SourceFlags): string {
  const dir = join(dataDirOf(flags), 'git')
  ensurePrivateDir(dataDirOf(flags))
  return dir
}

/** The desired-state files: `--git URL [--ref R]` through the Git cache, else the directory `dir` (default '.'). */
export async function loadSnapshot(dir: string | undefined, flags: SourceFlags): Promise<SourceSnapshot> {
  if (flags.git !== undefined) {
    return loadGitSource({
      url: flags.git,
      cacheDir: gitCacheDir(flags),
      ...(flags.ref === undefined ? {} : { ref: flags.ref }),
      ...(flags.path === undefined ? {} : { path: flags.path }),
    })
  }
  const root = dir ?? '.'
  const snapshot = await readDirectory(root, flags.path === undefined ? {} : { path: flags.path })
  const commit = await workingTreeCommit(snapshot.repo, snapshot.path)
  return commit ? { ...snapshot, commit } : snapshot
}

/** The same files at another revision (`--base-ref`): from the Git URL's cache, or the local repository. */
export async function loadBaseSnapshot(
  dir: string | undefined,
  flags: SourceFlags,
  baseRef: string,
): Promise<SourceSnapshot> {
  if (flags.git !== undefined) {
    return loadGitSource({
      url: flags.git,
      ref: baseRef,
      cacheDir: gitCacheDir(flags),
      ...(flags.path === undefined ? {} : { path: flags.path }),
    })
  }
  return readGitRevision({
    repoDir: dir ?? '.',
    ref: baseRef,
    ...(flags.path === undefined ? {} : { path: flags.path }),
  })
}
