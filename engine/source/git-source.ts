/**
 * Git sources (SHELL): fetch a repository into a cache under the data directory — shallow the first
 * time, incremental afterwards — and read the identity files of the resolved commit without a checkout.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EngineError } from '../core/errors.js'
import type { SourceSnapshot } from '../model/types.js'
import { ensureCacheRepository, gitCacheDirFor, withCacheLock } from './git-cache.js'
import { gitError, redactUrl, revParseCommit, runGit, type GitContext } from './git-exec.js'
import { cacheRefFor, resolveRemoteRef, toFetchUrl, type RemoteTarget } from './git-refs.js'
import { normalizeSourcePath, readTreeFiles } from './git-tree.js'

/** Options of `loadGitSource`. */
export interface LoadGitSourceOptions {
  /** Local path, `file://`, `https://`, `ssh://` or scp-like `user@host:path`; credentials in it are never printed. */
  readonly url: string
  /** Branch, tag, full ref name or full/abbreviated commit SHA; default the remote HEAD. */
  readonly ref?: string
  /** Sub-directory of the repository to read; default the whole tree. */
  readonly path?: string
  /** Root of the Git cache (e.g. `<data-dir>/git`); each URL gets its own bare repository inside. */
  readonly cacheDir: string
  /** The commit loaded last time; a new commit that does not descend from it is ERR_SOURCE_HISTORY_REWRITTEN. */
  readonly lastCommit?: string
  /** Kill a git process after this long without output; default 60 s. */
  readonly timeoutMs?: number
}

/** How the cache was brought up to date: not at all, a first shallow fetch, or a fetch into existing objects. */
export type GitFetchKind = 'none' | 'initial' | 'incremental'

/** What `syncGitSource` did: the cache repository, the resolved commit, and the fetch it took. */
export interface GitSyncResult {
  readonly gitDir: string
  readonly commit: string
  readonly fetch: GitFetchKind
  /** True when history had to be deepened to decide ancestry against `lastCommit`. */
  readonly deepened: boolean
}

const FULL_SHA = /^[0-9a-f]{40}$/
const UNLIMITED_DEPTH = '--depth=2147483647'

/** Fetches `url` into its cache and resolves the commit; the reading half of `loadGitSource`. */
export async function syncGitSource(options: LoadGitSourceOptions): Promise<GitSyncResult> {
  if (options.lastCommit !== undefined && !FULL_SHA.test(options.lastCommit)) {
    throw new TypeError('lastCommit must be a full lowercase commit SHA')
  }
  const gitDir = gitCacheDirFor(options.cacheDir, toFetchUrl(options.url))
  return withCacheLock(gitDir, async () => {
    await ensureCacheRepository(gitDir, options.url)
    const context: GitContext = { cwd: gitDir, gitDir, ...timeout(options) }
    const fresh = !(await hasAnyRef(context))
    const target = await resolveRemoteRef(context, options.url, options.ref)
    const fetched = await fetchTarget(context, options, target)
    const fetch: GitFetchKind = !fetched.fetched ? 'none' : fresh ? 'initial' : 'incremental'
    let deepened = false
    if (options.lastCommit !== undefined && options.lastCommit !== fetched.commit) {
      deepened = await checkDescends(context, options, target, options.lastCommit, fetched.commit)
    }
    return { gitDir, commit: fetched.commit, fetch, deepened }
  })
}

/**
 * The identity files of `url` at `ref` under `path`, fetched through the cache under `cacheDir`.
 * File paths are relative to the repository root (`path` included), as `readDirectory` gives them.
 * Throws ERR_SOURCE_UNREACHABLE, ERR_SOURCE_REF_NOT_FOUND, ERR_SOURCE_EMPTY (no commits, or no such
 * path), ERR_SOURCE_HISTORY_REWRITTEN or ERR_SOURCE_IO; never returns an empty snapshot for those.
 *
 * @example
 * const snap = await loadGitSource({ url: 'https://github.com/acme/identities.git', ref: 'main', cacheDir: '.sigil/git' })
 */
export async function loadGitSource(options: LoadGitSourceOptions): Promise<SourceSnapshot> {
  const path = normalizeSourcePath(options.path)
  const sync = await syncGitSource(options)
  const files = await readTreeFiles(
    { cwd: sync.gitDir, gitDir: sync.gitDir, ...timeout(options) },
    sync.commit,
    path,
    path,
  )
  return { repo: redactUrl(options.url), commit: sync.commit, path, files }
}

function timeout(options: { timeoutMs?: number }): { timeoutMs?: number } {
  return options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }
}

async function hasAnyRef(context: GitContext): Promise<boolean> {
  const out = await runGit(context, ['for-each-ref', '--count=1', '--format=%(refname)', 'refs/sigil/'])
  return out.trim() !== ''
}

/** `git fetch` without tags or FETCH_HEAD; any failure is ERR_SOURCE_UNREACHABLE (the cache is left as it was). */
async function fetch(
  context: GitContext,
  url: string,
  flags: readonly string[],
  refspecs: readonly string[],
): Promise<void> {
  // --progress keeps stderr busy during a long transfer, so the no-output timeout only stops a stalled fetch
  const args = ['fetch', '--no-tags', '--no-write-fetch-head', '--progress', ...flags, '--end-of-options']
  try {
    await runGit(context, [...args, toFetchUrl(url), ...refspecs])
  } catch (err) {
    const shown = redactUrl(url)
    throw gitError('ERR_SOURCE_UNREACHABLE', `cannot fetch from git repository ${shown}`, err, { url: shown })
  }
}

async function isShallow(context: GitContext): Promise<boolean> {
  const text = await readFile(join(context.gitDir ?? context.cwd, 'shallow'), 'utf8').catch(() => '')
  return text.trim() !== ''
}

/** Every branch and tag with full history: the fallback for commits the server will not serve by SHA. */
async function fetchEverything(context: GitContext, url: string): Promise<void> {
  const flags = ['--prune', ...((await isShallow(context)) ? [UNLIMITED_DEPTH] : [])]
  await fetch(context, url, flags, [
    '+refs/heads/*:refs/sigil/all/heads/*',
    '+refs/tags/*:refs/sigil/all/tags/*',
  ])
}

const PINNED_COMMIT_REF = 'refs/sigil/commit'

/** Brings `target` into the cache (skipping the fetch when the commit is already there) and returns its commit. */
async function fetchTarget(
  context: GitContext,
  options: LoadGitSourceOptions,
  target: RemoteTarget,
): Promise<{ commit: string; fetched: boolean }> {
  const last =
    options.lastCommit === undefined ? undefined : await revParseCommit(context, options.lastCommit)
  // with the last commit at hand, an unbounded fetch stops at it, so ancestry stays decidable
  const depth = last === undefined ? ['--depth=1'] : []
  if (target.kind === 'ref') {
    const localRef = cacheRefFor(target.remoteRef)
    const cached = await revParseCommit(context, target.commit)
    if (cached === undefined) await fetch(context, options.url, depth, [`+${target.remoteRef}:${localRef}`])
    else await runGit(context, ['update-ref', localRef, cached])
    const commit = await revParseCommit(context, localRef)
    if (commit === undefined) {
      throw new EngineError('ERR_SOURCE_IO', `fetched ${target.remoteRef} but it names no commit`, {
        data: { url: redactUrl(options.url), ref: target.remoteRef },
      })
    }
    return { commit, fetched: cached === undefined }
  }
  const cached = await revParseCommit(context, target.sha)
  let fetched = false
  if (cached === undefined && FULL_SHA.test(target.sha)) {
    try {
      await fetch(context, options.url, depth, [`+${target.sha}:${PINNED_COMMIT_REF}`])
      fetched = true
    } catch {
      // the server refuses to serve commits by SHA: fall back to every branch and tag below
    }
  }
  if (cached === undefined && !fetched) {
    await fetchEverything(context, options.url)
    fetched = true
  }
  const commit = cached ?? (await revParseCommit(context, target.sha))
  if (commit === undefined) {
    const shown = redactUrl(options.url)
    throw new EngineError(
      'ERR_SOURCE_REF_NOT_FOUND',
      `ref ${target.sha} not found in git repository ${shown}`,
      {
        data: { url: shown, ref: target.sha },
      },
    )
  }
  await runGit(context, ['update-ref', PINNED_COMMIT_REF, commit])
  return { commit, fetched }
}

async function isAncestor(context: GitContext, ancestor: string, descendant: string): Promise<boolean> {
  try {
    await runGit(context, ['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant])
    return true
  } catch {
    return false // exit 1 (not an ancestor) or 128 (ancestor not in the cache)
  }
}

/**
 * Throws ERR_SOURCE_HISTORY_REWRITTEN unless `commit` descends from `last`, deepening shallow history
 * first when that is what hides the answer. Returns whether it deepened.
 */
async function checkDescends(
  context: GitContext,
  options: LoadGitSourceOptions,
  target: RemoteTarget,
  last: string,
  commit: string,
): Promise<boolean> {
  if (await isAncestor(context, last, commit)) return false
  let deepened = false
  if (await isShallow(context)) {
    if (target.kind === 'ref') {
      await fetch(
        context,
        options.url,
        [UNLIMITED_DEPTH],
        [`+${target.remoteRef}:${cacheRefFor(target.remoteRef)}`],
      )
    } else {
      await fetchEverything(context, options.url)
    }
    deepened = true
    if (await isAncestor(context, last, commit)) return deepened
  }
  const shown = redactUrl(options.url)
  throw new EngineError(
    'ERR_SOURCE_HISTORY_REWRITTEN',
    `history of git repository ${shown} was rewritten: ${commit} does not descend from ${last}`,
    { data: { url: shown, ref: options.ref ?? 'HEAD', previousCommit: last, commit } },
  )
}
