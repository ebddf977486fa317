/**
 * Running the real `git` binary (SHELL): a simple-git instance with a non-interactive environment,
 * a no-output timeout, `cat-file --batch` for bulk blob reads, and credential-free messages.
 */
import { spawn } from 'node:child_process'
import { simpleGit, GitPluginError, type SimpleGit } from 'simple-git'
import { EngineError, type ErrorCode } from '../core/errors.js'

/** Default time a git process may stay silent before it is killed: 60 s. */
export const DEFAULT_GIT_TIMEOUT_MS = 60_000

/** Where git runs: a working directory (repository discovery) or an explicit git directory (the cache). */
export interface GitContext {
  /** Working directory of the git process. */
  readonly cwd: string
  /** When set, `GIT_DIR`: no discovery, so a broken cache never falls through to an enclosing repository. */
  readonly gitDir?: string
  /** Kill git after this long without output; default 60 s. */
  readonly timeoutMs?: number
}

// Inherited variables that would redirect git away from the repository we name.
const REPOSITORY_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_CEILING_DIRECTORIES',
  'GIT_PREFIX',
]

/** The environment for every git process: the caller's, never prompting, English messages. */
export function gitEnv(context: GitContext): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !REPOSITORY_VARIABLES.includes(k)) env[k] = v
  }
  env['GIT_TERMINAL_PROMPT'] = '0'
  env['GCM_INTERACTIVE'] = 'never'
  env['LC_ALL'] = 'C'
  // BatchMode: ssh fails instead of asking for a passphrase or a host key confirmation
  env['GIT_SSH_COMMAND'] ??= 'ssh -o BatchMode=yes -o ConnectTimeout=20'
  if (context.gitDir !== undefined) env['GIT_DIR'] = context.gitDir
  return env
}

/** A simple-git instance for `context`; every non-zero exit is an error, even with empty stderr. */
export function gitFor(context: GitContext): SimpleGit {
  return simpleGit({
    baseDir: context.cwd,
    maxConcurrentProcesses: 2,
    trimmed: false,
    timeout: { block: context.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS },
    config: ['http.lowSpeedLimit=1', 'http.lowSpeedTime=30', 'core.quotePath=false'],
    // The environment is the operator's own; arguments are vetted by the callers (no leading '-').
    unsafe: {
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      allowUnsafeEditor: true,
      allowUnsafePager: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeGitProxy: true,
      allowUnsafeTemplateDir: true,
      allowUnsafeDiffExternal: true,
    },
    errors: (error, result) => {
      if (error) return error
      if (result.exitCode === 0) return undefined
      const text = Buffer.concat([...result.stdErr])
        .toString('utf8')
        .trim()
      return Buffer.from(text || `git exited with code ${result.exitCode}`)
    },
  }).env(gitEnv(context))
}

/** Runs `git args…` and returns stdout. */
export function runGit(context: GitContext, args: readonly string[]): Promise<string> {
  return gitFor(context).raw([...args])
}

/** The commit `rev` names, or undefined when it is absent or ambiguous. */
export async function revParseCommit(context: GitContext, rev: string): Promise<string | undefined> {
  try {
    const out = await runGit(context, [
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${rev}^{commit}`,
    ])
    return out.trim() || undefined
  } catch {
    return undefined
  }
}

/** True when `err` is simple-git's no-output timeout. */
export function isGitTimeout(err: unknown): boolean {
  return err instanceof GitPluginError && err.plugin === 'timeout'
}

// progress lines (`remote: …`, `Receiving objects: 42% …`) are noise in an error message
const PROGRESS = /^(remote: |[A-Z][a-z]+( [a-z]+)*: +\d+%)/

/** Git's message for a failure, without progress lines or credentials, trimmed to a useful length. */
export function gitErrorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  const lines = redactText(text)
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !PROGRESS.test(l))
  const cleaned = lines.join('\n')
  return cleaned.length > 2000 ? `${cleaned.slice(0, 2000)}…` : cleaned
}

/** An EngineError for a failed git process: message, plus git's (redacted) output in `data.detail`. */
export function gitError(
  code: ErrorCode,
  message: string,
  err: unknown,
  data: Record<string, unknown> = {},
): EngineError {
  const detail = isGitTimeout(err) ? 'git produced no output before the timeout' : gitErrorText(err)
  // No `cause`: the raw error may hold a URL with credentials.
  return new EngineError(code, `${message}: ${firstLine(detail)}`, { data: { ...data, detail } })
}

function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  return line.replace(/^(fatal|error): /, '')
}

/** A URL without user info (`https://user:token@host/x` → `https://host/x`); other strings unchanged. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1')
}

/** Any URL user info inside free text removed. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]*@/gi, '$1')
}

/** A blob read by `readBlobs`. */
export interface Blob {
  readonly oid: string
  readonly data: Buffer
}

/** Reads many blobs with one `git cat-file --batch` process; a missing object is ERR_SOURCE_IO. */
export function readBlobs(context: GitContext, oids: readonly string[]): Promise<Blob[]> {
  if (oids.length === 0) return Promise.resolve([])
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], {
      cwd: context.cwd,
      env: gitEnv(context),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', (e) => reject(new EngineError('ERR_SOURCE_IO', `cannot run git: ${e.message}`)))
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new EngineError('ERR_SOURCE_IO', `git cat-file failed: ${redactText(err).trim()}`))
        return
      }
      try {
        resolve(parseBatch(Buffer.concat(out), oids.length))
      } catch (e) {
        reject(e)
      }
    })
    child.stdin.on('error', () => undefined) // reported through 'close'
    child.stdin.end(oids.join('\n') + '\n')
  })
}

function parseBatch(buf: Buffer, count: number): Blob[] {
  const blobs: Blob[] = []
  let at = 0
  for (let i = 0; i < count; i++) {
    const eol = buf.indexOf(0x0a, at)
    if (eol < 0) throw new EngineError('ERR_SOURCE_IO', 'git cat-file output ended early')
    const header = buf.subarray(at, eol).toString('utf8').split(' ')
    if (header[1] === 'missing' || header.length !== 3) {
      throw new EngineError('ERR_SOURCE_IO', `git object ${header[0] ?? ''} is missing from the repository`, {
        data: { oid: header[0] },
      })
    }
    const size = Number(header[2])
    const start = eol + 1
    blobs.push({ oid: header[0] as string, data: buf.subarray(start, start + size) })
    at = start + size + 1
  }
  return blobs
}
