/**
 * The Git cache under the data directory (SHELL): one bare repository per source URL, created
 * atomically (init in a temporary directory, then rename) and used by one load at a time per process.
 */
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256Hex } from '../core/digest.js'
import { EngineError } from '../core/errors.js'
import { gitError, redactUrl, runGit } from './git-exec.js'

/** The cache directory of one source: `<cacheDir>/<first 16 hex digits of sha256(URL without credentials)>`. */
export function gitCacheDirFor(cacheDir: string, url: string): string {
  return join(cacheDir, sha256Hex(redactUrl(url)).slice(0, 16))
}

/** The default Git cache of a data directory: `<dataDir>/git`. */
export function gitCacheRoot(dataDir: string): string {
  return join(dataDir, 'git')
}

const locks = new Map<string, Promise<unknown>>()

/** Runs `body` after every earlier body for the same `key` has settled (one fetch per cache at a time). */
export function withCacheLock<T>(key: string, body: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve()
  const run = previous.then(body, body)
  const settled = run.then(
    () => undefined,
    () => undefined,
  )
  locks.set(key, settled)
  void settled.then(() => {
    if (locks.get(key) === settled) locks.delete(key)
  })
  return run
}

async function isBareRepository(dir: string): Promise<boolean> {
  try {
    const out = await runGit({ cwd: dir, gitDir: dir }, ['rev-parse', '--is-bare-repository'])
    return out.trim() === 'true'
  } catch {
    return false
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/**
 * Makes sure `dir` is a bare repository: reused when it is one, otherwise (absent or damaged)
 * replaced by a fresh one. Never leaves a half-initialised repository at `dir`.
 */
export async function ensureCacheRepository(dir: string, url: string): Promise<void> {
  if (await isBareRepository(dir)) return
  const parent = join(dir, '..')
  let tmp: string | undefined
  try {
    await mkdir(parent, { recursive: true, mode: 0o700 })
    if (await exists(dir)) await rm(dir, { recursive: true, force: true })
    tmp = await mkdtemp(join(parent, '.init-'))
    await runGit({ cwd: tmp, gitDir: tmp }, ['init', '--bare', '-q'])
    // the URL is not stored as a remote: credentials in it must not land on disk
    await writeFile(join(tmp, 'description'), `sigil cache of ${redactUrl(url)}\n`)
    await rename(tmp, dir)
    tmp = undefined
  } catch (err) {
    if (err instanceof EngineError) throw err
    if (await isBareRepository(dir)) return // another process won the race
    throw gitError('ERR_SOURCE_IO', `cannot create the git cache at ${dir}`, err, { cacheDir: dir })
  } finally {
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true })
  }
}
