/**
 * The reconcile status record (what `sigil status` shows) and the suspend flag, persisted as JSON
 * files in `<dataDir>/reconcile/` (written atomically) so another process and a restart see them.
 */
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../ca/atomic-file.js'

/** How a cycle ended. */
export type CycleOutcome =
  /** Changes were committed to the store (a new commit, drift reverted, or both). */
  | 'applied'
  /** The store already matched the source head (or the cycle was skipped as unchanged). */
  | 'unchanged'
  /** Warn mode: the new commit (if any) was applied, drift was only reported. */
  | 'drift_reported'
  /** Source, verification, lint or store failure: the last applied commit stays in force. */
  | 'failed'
  /** A safety gate refused the plan: nothing was written. */
  | 'refused'
  /** Not run: suspended, or this replica is not the leader. */
  | 'skipped'

/** Why a cycle did not apply (an `ErrorCode` and its message; never secrets). */
export interface ReconcileError {
  readonly code: string
  readonly message: string
  readonly data?: Readonly<Record<string, unknown>>
}

/** One change made outside Git, as the plan reverts it (`action` is what reverting does). */
export interface DriftChange {
  readonly action: 'create' | 'update' | 'delete'
  readonly kind: string
  readonly name: string
  readonly id?: string
  readonly fields?: readonly string[]
}

/** At most this many drift changes are listed (the count is always exact). */
export const MAX_LISTED_DRIFT = 100

/** The reconcile status (DESIGN.md §5). Times are ms since the epoch. */
export interface ReconcileStatus {
  readonly formatVersion: 1
  /** The Git source without credentials; undefined when no source is configured. */
  readonly source?: { readonly url: string; readonly ref?: string; readonly path?: string }
  readonly mode: 'apply' | 'warn'
  readonly suspended: boolean
  /** Suspended by the configuration file (`reconcile.suspend`), not only through the CLI. */
  readonly suspendedByConfig?: boolean
  readonly leader: boolean
  /** Leader election details from the HA store (mode, holder, epoch), when it provides them. */
  readonly leaderInfo?: object
  /** The commit in force: last applied (or found already in sync), and the store revision after it. */
  readonly lastApplied?: {
    readonly commit: string
    readonly atMs: number
    readonly revision: number
    readonly lineage: string
  }
  readonly lastAttempt?: {
    readonly commit?: string
    readonly atMs: number
    readonly durationMs: number
    readonly trigger: string
    readonly result: CycleOutcome
    readonly error?: ReconcileError
  }
  /** Last cycle that left the store in sync with the source head (apply mode) or with Git's changes (warn). */
  readonly lastSuccessAtMs?: number
  readonly drift: {
    readonly detected: boolean
    /** When drift was last found (reverted or reported). */
    readonly atMs?: number
    /** True when the last drift found was reverted (apply mode). */
    readonly reverted?: boolean
    readonly total: number
    readonly changes: readonly DriftChange[]
  }
  readonly counts: {
    readonly desired: number
    readonly live: number
    readonly unmanaged: number
    readonly drifted: number
  }
  readonly store?: { readonly lineage: string; readonly revision: number }
}

/** The persisted suspend flag. */
export interface SuspendState {
  readonly suspended: boolean
  readonly atMs: number
  readonly actor: string
  readonly reason?: string
}

/** A status with nothing known yet. */
export function emptyStatus(mode: 'apply' | 'warn'): ReconcileStatus {
  return {
    formatVersion: 1,
    mode,
    suspended: false,
    leader: false,
    drift: { detected: false, total: 0, changes: [] },
    counts: { desired: 0, live: 0, unmanaged: 0, drifted: 0 },
  }
}

/** `<dataDir>/reconcile`. */
export function reconcileDir(dataDir: string): string {
  return join(dataDir, 'reconcile')
}

const statusFile = (dataDir: string) => join(reconcileDir(dataDir), 'status.json')
const suspendFile = (dataDir: string) => join(reconcileDir(dataDir), 'suspend.json')

async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return undefined
  }
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined // a torn file cannot happen (atomic rename); a hand-edited one is ignored
  }
}

async function writeJson(dataDir: string, path: string, value: unknown): Promise<void> {
  mkdirSync(reconcileDir(dataDir), { recursive: true, mode: 0o700 })
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', 0o600)
}

/** The status last written by a server using `dataDir`, if any. */
export function readStatusFile(dataDir: string): Promise<ReconcileStatus | undefined> {
  return readJson<ReconcileStatus>(statusFile(dataDir)).then((s) => (s?.formatVersion === 1 ? s : undefined))
}

/** Replaces the status file atomically. */
export function writeStatusFile(dataDir: string, status: ReconcileStatus): Promise<void> {
  return writeJson(dataDir, statusFile(dataDir), status)
}

/** The persisted suspend flag (absent: not suspended). */
export async function readSuspendFile(dataDir: string): Promise<SuspendState | undefined> {
  const state = await readJson<SuspendState>(suspendFile(dataDir))
  return typeof state?.suspended === 'boolean' ? state : undefined
}

/** Persists the suspend flag, so a restart keeps it. */
export function writeSuspendFile(dataDir: string, state: SuspendState): Promise<void> {
  return writeJson(dataDir, suspendFile(dataDir), state)
}

/** The status without the fields every cycle changes; two equal keys need no new write. */
export function statusWriteKey(status: ReconcileStatus): string {
  const { lastAttempt, ...rest } = status
  if (!lastAttempt) return JSON.stringify(rest)
  const { atMs: _atMs, durationMs: _durationMs, trigger: _trigger, ...attempt } = lastAttempt
  return JSON.stringify({ ...rest, attempt })
}
