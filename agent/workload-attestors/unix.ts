/**
 * The `unix` workload attestor: user, group and supplementary groups of the process from
 * `/proc/<pid>/status` (effective IDs, as SPIRE), names from /etc/passwd and /etc/group, and
 * optionally the binary's path and SHA-256 (through `/proc/<pid>/exe`, so the file actually
 * executing is hashed, even if replaced or deleted on disk).
 */
import { attestationFailed, parseIdNames, type WorkloadAttestor } from './attestor.js'

/** Identity of a file's contents for the hash cache. */
export interface FileIdentity {
  readonly dev: number
  readonly ino: number
  readonly size: number
  readonly mtimeMs: number
  readonly ctimeMs: number
}

/** Every OS read the unix attestor makes. */
export interface UnixHooks {
  readFile(path: string): Promise<string>
  readLink(path: string): Promise<string>
  /** Follows symlinks (so `/proc/<pid>/exe` gives the binary). */
  stat(path: string): Promise<FileIdentity>
  /** Lowercase hex SHA-256 of the file's contents. */
  sha256File(path: string): Promise<string>
}

export interface UnixAttestorOptions {
  /** Emit `unix:path` and `unix:sha256` (default true). */
  readonly discoverWorkloadPath?: boolean
  /** Skip `unix:sha256` for binaries larger than this; 0 = no limit (default 0). */
  readonly workloadSizeLimitBytes?: number
  /** Where procfs is mounted (default `/proc`). */
  readonly procRoot?: string
}

const HASH_CACHE_MAX = 256

/** Selectors for `pid`. `hashCache` (file identity → hex) avoids re-hashing an unchanged binary. */
export async function attest(
  pid: number,
  hooks: UnixHooks,
  options: UnixAttestorOptions = {},
  hashCache: Map<string, string> = new Map(),
): Promise<string[]> {
  const proc = `${options.procRoot ?? '/proc'}/${pid}`
  let status: string
  try {
    status = await hooks.readFile(`${proc}/status`)
  } catch (err) {
    throw attestationFailed('unix', 'cannot read the process status', err)
  }
  const uid = effectiveId(status, 'Uid')
  const gid = effectiveId(status, 'Gid')
  if (uid === undefined || gid === undefined) throw attestationFailed('unix', 'no Uid/Gid in process status')
  const groups = (/^Groups:[ \t]*(.*)$/m.exec(status)?.[1] ?? '').split(/\s+/).filter((g) => /^\d+$/.test(g))
  const users = parseIdNames(await readOptional(hooks, '/etc/passwd'))
  const groupNames = parseIdNames(await readOptional(hooks, '/etc/group'))

  const selectors = [`unix:uid:${uid}`, `unix:gid:${gid}`]
  const user = users.get(uid)
  if (user !== undefined) selectors.push(`unix:user:${user}`)
  const group = groupNames.get(gid)
  if (group !== undefined) selectors.push(`unix:group:${group}`)
  for (const g of groups) {
    selectors.push(`unix:supplementary_gid:${g}`)
    const name = groupNames.get(Number(g))
    if (name !== undefined) selectors.push(`unix:supplementary_group:${name}`)
  }
  if (options.discoverWorkloadPath ?? true) {
    selectors.push(...(await pathSelectors(`${proc}/exe`, hooks, options, hashCache)))
  }
  return selectors
}

/** A unix attestor with its own binary-hash cache. */
export function createUnixAttestor(hooks: UnixHooks, options: UnixAttestorOptions = {}): WorkloadAttestor {
  const hashCache = new Map<string, string>()
  return { type: 'unix', attest: (pid) => attest(pid, hooks, options, hashCache) }
}

function effectiveId(status: string, field: 'Uid' | 'Gid'): number | undefined {
  const ids = new RegExp(`^${field}:[ \\t]*(.*)$`, 'm').exec(status)?.[1]?.trim().split(/\s+/) ?? []
  const text = ids.length > 1 ? ids[1] : ids[0]
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined
}

async function readOptional(hooks: UnixHooks, path: string): Promise<string> {
  try {
    return await hooks.readFile(path)
  } catch {
    return ''
  }
}

async function pathSelectors(
  exe: string,
  hooks: UnixHooks,
  options: UnixAttestorOptions,
  hashCache: Map<string, string>,
): Promise<string[]> {
  let path: string
  let file: FileIdentity
  try {
    path = (await hooks.readLink(exe)).replace(/ \(deleted\)$/, '')
    file = await hooks.stat(exe)
  } catch (err) {
    throw attestationFailed('unix', 'cannot read the process binary', err)
  }
  const selectors = [`unix:path:${path}`]
  const limit = options.workloadSizeLimitBytes ?? 0
  if (limit > 0 && file.size > limit) return selectors
  const key = `${file.dev}:${file.ino}:${file.size}:${file.mtimeMs}:${file.ctimeMs}`
  let digest = hashCache.get(key)
  if (digest === undefined) {
    try {
      digest = await hooks.sha256File(exe)
    } catch (err) {
      throw attestationFailed('unix', 'cannot hash the process binary', err)
    }
    if (hashCache.size >= HASH_CACHE_MAX) hashCache.delete(hashCache.keys().next().value as string)
    hashCache.set(key, digest)
  }
  selectors.push(`unix:sha256:${digest}`)
  return selectors
}
