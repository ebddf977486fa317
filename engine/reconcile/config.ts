/**
 * The reconcile keys of the server configuration: `source.git` (url, ref, path, interval, verify,
 * webhook) and `reconcile` (mode, suspend), resolved to absolute paths and milliseconds.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseDurationMs } from '../core/duration.js'
import type { VerifyConfig } from './git-reader.js'

/** `source` as written in the file. */
export interface SourceConfigFile {
  git?: {
    url: string
    ref?: string
    path?: string
    interval?: string
    timeout?: string
    verify?: { mode: 'head' | 'tag'; allowedSigners?: string }
    webhook?: { secret?: string; secretFile?: string }
  }
}

/** `reconcile` as written in the file. */
export interface ReconcileConfigFile {
  mode?: 'apply' | 'warn'
  suspend?: boolean
}

/** The resolved settings. */
export interface ReconcileConfig {
  readonly mode: 'apply' | 'warn'
  readonly suspend: boolean
  readonly git?: {
    readonly url: string
    readonly ref?: string
    readonly path?: string
    readonly intervalMs: number
    readonly timeoutMs?: number
    readonly verify?: VerifyConfig
    /** The webhook HMAC secret / token; never logged or shown. */
    readonly webhookSecret?: string
  }
}

/** Default interval between cycles: 1 minute. */
export const DEFAULT_INTERVAL_MS = 60_000

function readSecret(path: string, problems: string[]): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim()
    if (text === '') problems.push(`source.git.webhook.secretFile ${path} is empty`)
    return text || undefined
  } catch (err) {
    problems.push(
      `cannot read source.git.webhook.secretFile ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    )
    return undefined
  }
}

/** Resolves `source`/`reconcile` (already schema-checked); problems are appended to `problems`. */
export function resolveReconcileConfig(
  source: SourceConfigFile | undefined,
  reconcile: ReconcileConfigFile | undefined,
  cwd: string,
  problems: string[],
): ReconcileConfig {
  const mode = reconcile?.mode ?? 'apply'
  const suspend = reconcile?.suspend ?? false
  const git = source?.git
  if (!git) return { mode, suspend }
  const duration = (key: 'interval' | 'timeout', text: string | undefined) => {
    if (text === undefined) return undefined
    const ms = parseDurationMs(text)
    if (ms === undefined || ms <= 0) problems.push(`source.git.${key} is not a duration`)
    return ms
  }
  const intervalMs = duration('interval', git.interval) ?? DEFAULT_INTERVAL_MS
  const timeoutMs = duration('timeout', git.timeout)
  if (git.verify?.mode === 'tag' && git.ref === undefined)
    problems.push('source.git.verify.mode tag needs source.git.ref naming a tag')
  if (git.webhook?.secret !== undefined && git.webhook.secretFile !== undefined)
    problems.push('source.git.webhook takes secret or secretFile, not both')
  const secret =
    git.webhook?.secretFile !== undefined
      ? readSecret(resolve(cwd, git.webhook.secretFile), problems)
      : git.webhook?.secret
  // a local path is resolved here so the server's working directory does not matter later
  const url =
    /^[a-z][a-z0-9+.-]*:\/\//i.test(git.url) || /^[^/]*:/.test(git.url) ? git.url : resolve(cwd, git.url)
  return {
    mode,
    suspend,
    git: {
      url,
      ...(git.ref === undefined ? {} : { ref: git.ref }),
      ...(git.path === undefined ? {} : { path: git.path }),
      intervalMs,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(git.verify
        ? {
            verify: {
              mode: git.verify.mode,
              ...(git.verify.allowedSigners
                ? { allowedSigners: resolve(cwd, git.verify.allowedSigners) }
                : {}),
            },
          }
        : {}),
      ...(secret === undefined ? {} : { webhookSecret: secret }),
    },
  }
}
