/**
 * Resolving a user's `--ref` against a remote's advertised refs (SHELL): one `git ls-remote`, then
 * HEAD, a full ref name, a tag, a branch, or a commit SHA, in the order `git rev-parse` uses.
 */
import { isAbsolute, resolve } from 'node:path'
import { sha256Hex } from '../core/digest.js'
import { EngineError } from '../core/errors.js'
import { gitError, redactUrl, runGit, type GitContext } from './git-exec.js'

/** What a `--ref` resolved to on the remote. */
export type RemoteTarget =
  /** A ref the remote advertises; `commit` is its (peeled) commit as advertised. */
  | { readonly kind: 'ref'; readonly remoteRef: string; readonly commit: string }
  /** A full or abbreviated commit SHA that is not a ref name. */
  | { readonly kind: 'commit'; readonly sha: string }

/** The URL git is given: a local path made absolute (git runs inside the cache), everything else as written. */
export function toFetchUrl(url: string): string {
  // scheme://… and scp-like host:path (a colon before the first slash) are remote
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]*:/.test(url)) return url
  return isAbsolute(url) ? url : resolve(url)
}

const HEX_SHA = /^[0-9a-f]{4,40}$/i
// git check-ref-format's forbidden characters, plus a leading '-' that git would read as an option
const BAD_REF = /(^-)|[\s~^:?*[\\]|\.\.|@\{|^\/|\/$|\.lock$|\/\./

/** True for strings git would not accept as a ref name (or would read as an option). */
export function isBadRef(ref: string): boolean {
  return (
    ref === '' ||
    BAD_REF.test(ref) ||
    [...ref].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  )
}

/** Advertised refs: ref name → commit (tags peeled), and where HEAD points. */
interface Advertisement {
  readonly refs: ReadonlyMap<string, string>
  readonly headTarget?: string
}

/** Lists HEAD, branches and tags of `url` (plus `extra` when it is a full ref name); ERR_SOURCE_UNREACHABLE on failure. */
async function lsRemote(context: GitContext, url: string, extra?: string): Promise<Advertisement> {
  const patterns = ['HEAD', 'refs/heads/*', 'refs/tags/*']
  if (extra?.startsWith('refs/')) patterns.push(extra)
  let out: string
  try {
    out = await runGit(context, ['ls-remote', '--symref', '--end-of-options', toFetchUrl(url), ...patterns])
  } catch (err) {
    const shown = redactUrl(url)
    throw gitError('ERR_SOURCE_UNREACHABLE', `cannot reach git repository ${shown}`, err, { url: shown })
  }
  const refs = new Map<string, string>()
  let headTarget: string | undefined
  for (const line of out.split('\n')) {
    const [left, name] = line.split('\t')
    if (left === undefined || name === undefined) continue
    if (left.startsWith('ref: ')) {
      if (name === 'HEAD') headTarget = left.slice(5)
      continue
    }
    // an annotated tag is advertised twice; the peeled `^{}` line carries the commit
    if (name.endsWith('^{}')) refs.set(name.slice(0, -3), left)
    else if (!refs.has(name)) refs.set(name, left)
  }
  return { refs, ...(headTarget === undefined ? {} : { headTarget }) }
}

/**
 * Resolves `ref` (default: the remote HEAD) on `url`. ERR_SOURCE_EMPTY when the remote has no
 * commits, ERR_SOURCE_REF_NOT_FOUND when the ref is neither a ref name nor a possible commit SHA.
 */
export async function resolveRemoteRef(
  context: GitContext,
  url: string,
  ref: string | undefined,
): Promise<RemoteTarget> {
  const shown = redactUrl(url)
  if (ref !== undefined && isBadRef(ref)) {
    throw new EngineError('ERR_SOURCE_REF_NOT_FOUND', `ref ${JSON.stringify(ref)} is not a valid git ref`, {
      data: { url: shown, ref },
    })
  }
  const ad = await lsRemote(context, url, ref)
  if (ad.refs.size === 0) {
    throw new EngineError('ERR_SOURCE_EMPTY', `git repository ${shown} has no commits`, {
      data: { url: shown },
    })
  }
  const wanted = ref ?? 'HEAD'
  const candidates =
    wanted.startsWith('refs/') || wanted === 'HEAD'
      ? [wanted]
      : [`refs/tags/${wanted}`, `refs/heads/${wanted}`]
  for (const name of candidates) {
    const commit = ad.refs.get(name)
    if (commit !== undefined) return { kind: 'ref', remoteRef: name, commit }
  }
  if (ref !== undefined && HEX_SHA.test(ref)) return { kind: 'commit', sha: ref.toLowerCase() }
  const message =
    ref === undefined
      ? `the HEAD of git repository ${shown} does not point at a branch (${ad.headTarget ?? 'unset'}); pass a ref`
      : `ref ${ref} not found in git repository ${shown}`
  throw new EngineError('ERR_SOURCE_REF_NOT_FOUND', message, { data: { url: shown, ref: wanted } })
}

/** A local ref name in the cache for a remote ref; hashed so branch `a` and branch `a/b` never collide. */
export function cacheRefFor(remoteRef: string): string {
  return `refs/sigil/r/${sha256Hex(remoteRef).slice(0, 24)}`
}
