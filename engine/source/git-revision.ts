/**
 * The identity files of a revision of a local repository (SHELL), e.g. `origin/main` for the
 * pull-request preview (`--base-ref`): no store, no checkout, the commit SHA recorded.
 */
import { EngineError } from '../core/errors.js'
import type { SourceSnapshot } from '../model/types.js'
import { gitError, revParseCommit, runGit, type GitContext } from './git-exec.js'
import { normalizeSourcePath, readTreeFiles } from './git-tree.js'

/** Options of `readGitRevision`. */
export interface ReadGitRevisionOptions {
  /** A directory inside the repository's working tree (or the repository itself); `path` is relative to it. */
  readonly repoDir: string
  /** Any revision git understands: branch, tag, `origin/main`, SHA, `HEAD~1`. */
  readonly ref: string
  /** Sub-directory of `repoDir` to read; default all of it. */
  readonly path?: string
  /** Kill a git process after this long without output; default 60 s. */
  readonly timeoutMs?: number
}

/**
 * Files at `ref` under `repoDir`/`path`, with the same selection rules as a directory.
 * ERR_SOURCE_IO outside a repository, ERR_SOURCE_REF_NOT_FOUND for an unknown revision,
 * ERR_SOURCE_EMPTY when the directory does not exist at that revision. Like `readDirectory(repoDir,
 * { path })`, file paths and `path` are relative to `repoDir`.
 *
 * @example
 * const base = await readGitRevision({ repoDir: '.', ref: 'origin/main', path: 'identities' })
 */
export async function readGitRevision(options: ReadGitRevisionOptions): Promise<SourceSnapshot> {
  const context: GitContext = {
    cwd: options.repoDir,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  }
  let prefix: string
  try {
    prefix = (await runGit(context, ['rev-parse', '--show-prefix'])).trim()
  } catch (err) {
    throw gitError('ERR_SOURCE_IO', `${options.repoDir} is not inside a git repository`, err, {
      repoDir: options.repoDir,
    })
  }
  const commit =
    options.ref === '' || options.ref.startsWith('-') ? undefined : await revParseCommit(context, options.ref)
  if (commit === undefined) {
    throw new EngineError(
      'ERR_SOURCE_REF_NOT_FOUND',
      `revision ${options.ref} not found in ${options.repoDir}`,
      {
        data: { repoDir: options.repoDir, ref: options.ref },
      },
    )
  }
  const inside = normalizeSourcePath(options.path)
  const path = normalizeSourcePath(prefix + inside)
  const files = await readTreeFiles(context, commit, path, inside)
  return { repo: options.repoDir, commit, path: inside, files }
}
