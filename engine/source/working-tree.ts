/**
 * A Git working tree as a source (SHELL): the directory as it is on disk, plus the HEAD commit when
 * the files read are exactly those of HEAD, or `dirty: true` when they are not.
 */
import type { SourceSnapshot } from '../model/types.js'
import { runGit } from './git-exec.js'
import { readGitRevision } from './git-revision.js'
import { readDirectory } from './read-directory.js'

/** Options of `readWorkingTree`. */
export interface ReadWorkingTreeOptions {
  /** The directory to read; it may be the repository root or a directory inside it. */
  readonly repoDir: string
  /** Sub-directory of `repoDir`; default all of it. */
  readonly path?: string
  /** Kill a git process after this long without output; default 60 s. */
  readonly timeoutMs?: number
}

const sameFiles = (a: SourceSnapshot, b: SourceSnapshot): boolean =>
  a.files.length === b.files.length &&
  a.files.every((f, i) => f.path === b.files[i]?.path && f.text === b.files[i]?.text)

/**
 * `readDirectory(repoDir, { path })` plus provenance: `commit` = HEAD when every identity file read
 * matches HEAD (ignored and untracked YAML count as changes), else `dirty: true`; outside a Git
 * repository, neither.
 */
export async function readWorkingTree(options: ReadWorkingTreeOptions): Promise<SourceSnapshot> {
  const snapshot = await readDirectory(
    options.repoDir,
    options.path === undefined ? {} : { path: options.path },
  )
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }
  const inRepository = await runGit({ cwd: snapshot.repo, ...timeout }, ['rev-parse', '--git-dir']).then(
    () => true,
    () => false,
  )
  if (!inRepository) return snapshot
  const head = await readGitRevision({
    repoDir: snapshot.repo,
    ref: 'HEAD',
    ...(options.path === undefined ? {} : { path: options.path }),
    ...timeout,
  }).catch(() => undefined)
  if (head === undefined || !sameFiles(snapshot, head)) return { ...snapshot, dirty: true }
  return { ...snapshot, ...(head.commit === undefined ? {} : { commit: head.commit }) }
}
