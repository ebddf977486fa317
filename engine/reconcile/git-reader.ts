/**
 * The reconcile loop's Git source (SHELL): one `ls-remote` to learn the head commit cheaply, a fetch
 * through the data directory's Git cache only when it moved, and optional signature verification
 * with git's own `verify-commit` / `verify-tag`.
 */
import { mkdirSync } from 'node:fs'
import { EngineError } from '../core/errors.js'
import type { SourceSnapshot } from '../model/types.js'
import { gitCacheDirFor } from '../source/git-cache.js'
import { gitError, redactUrl, runGit, type GitContext } from '../source/git-exec.js'
import { cacheRefFor, resolveRemoteRef, toFetchUrl } from '../source/git-refs.js'
import { syncGitSource } from '../source/git-source.js'
import {
  lastTreeBlobCache,
  normalizeSourcePath,
  readTreeFiles,
  type BlobTextCache,
} from '../source/git-tree.js'
import type { ReconcileSource } from './cycle.js'

/** Commit verification: `head` checks the commit's signature, `tag` the signature of the tag `ref` names. */
export interface VerifyConfig {
  readonly mode: 'head' | 'tag'
  /** An SSH `allowed_signers` file (git's gpg.ssh.allowedSignersFile); OpenPGP keys come from GNUPGHOME. */
  readonly allowedSigners?: string
}

export interface GitReaderOptions {
  readonly url: string
  readonly ref?: string
  readonly path?: string
  /** `<dataDir>/git`. */
  readonly cacheDir: string
  readonly verify?: VerifyConfig
  readonly timeoutMs?: number
}

/** A ReconcileSource over a Git remote. */
export function createGitReader(options: GitReaderOptions): ReconcileSource {
  const path = normalizeSourcePath(options.path)
  const gitDir = gitCacheDirFor(options.cacheDir, toFetchUrl(options.url))
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }
  const cacheContext: GitContext = { cwd: gitDir, gitDir, ...timeout }
  // the head's blobs: a new head is read by its changed files only
  const headBlobs = lastTreeBlobCache()
  const snapshot = async (
    commit: string,
    blobs?: BlobTextCache,
  ): Promise<SourceSnapshot & { commit: string }> => ({
    repo: redactUrl(options.url),
    commit,
    path,
    files: await readTreeFiles(cacheContext, commit, path, path, blobs),
  })
  return {
    async headCommit() {
      mkdirSync(options.cacheDir, { recursive: true, mode: 0o700 })
      // ls-remote needs no repository; running it outside the cache keeps it free of the cache lock
      const target = await resolveRemoteRef({ cwd: options.cacheDir, ...timeout }, options.url, options.ref)
      return target.kind === 'ref' ? target.commit : undefined
    },
    async load(lastCommit) {
      const sync = await syncGitSource({
        url: options.url,
        cacheDir: options.cacheDir,
        ...(options.ref === undefined ? {} : { ref: options.ref }),
        ...(lastCommit === undefined ? {} : { lastCommit }),
        ...timeout,
      })
      if (options.verify) await verifySignature(cacheContext, options, sync.commit)
      return snapshot(sync.commit, headBlobs)
    },
    loadCommit: (commit) => snapshot(commit),
  }
}

/** The ref `verify-tag` checks in the cache: where the fetch stored the configured tag. */
function cachedTagRef(ref: string | undefined): string {
  if (ref === undefined) return ''
  return cacheRefFor(ref.startsWith('refs/') ? ref : `refs/tags/${ref}`)
}

/** Throws ERR_SOURCE_VERIFY_FAILED unless git accepts the signature of the commit (or tag). */
async function verifySignature(
  context: GitContext,
  options: GitReaderOptions,
  commit: string,
): Promise<void> {
  const verify = options.verify as VerifyConfig
  const config = verify.allowedSigners ? ['-c', `gpg.ssh.allowedSignersFile=${verify.allowedSigners}`] : []
  const tagRef = cachedTagRef(options.ref)
  if (verify.mode === 'tag' && !tagRef.startsWith('refs/sigil/')) {
    throw new EngineError('ERR_SOURCE_VERIFY_FAILED', 'verify mode tag needs source.git.ref naming a tag', {
      data: { mode: verify.mode, commit },
    })
  }
  const args = verify.mode === 'head' ? ['verify-commit', commit] : ['verify-tag', tagRef]
  try {
    await runGit(context, [...config, ...args])
  } catch (err) {
    const what = verify.mode === 'head' ? `commit ${commit}` : `tag ${options.ref ?? ''}`
    throw gitError('ERR_SOURCE_VERIFY_FAILED', `${what} has no valid trusted signature`, err, {
      mode: verify.mode,
      commit,
    })
  }
}
