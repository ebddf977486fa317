/** What the reconciler of `sigil server` is built from: its settings, leadership and dependencies. */
import type { Clock } from '../core/clock.js'
import type { Random } from '../core/random.js'
import type { PolicyObject } from '../model/types.js'
import { redactUrl } from '../source/git-exec.js'
import type { RegistrationStore } from '../store/registration-store.js'
import type { ReconcileSource } from './cycle.js'
import type { ServerMetrics } from './metrics.js'
import type { ReconcileStateStore } from './state-store.js'
import type { ReconcileStatus } from './status.js'

/** "May I reconcile?" — leader election (engine/ha/) plugs in here. */
export interface Leadership {
  isLeader(): boolean
  /** Who leads, for `sigil status` (shown as given). */
  leaderInfo?(): object
  /** Calls `fn` when `isLeader()` changes; returns the unsubscribe function. */
  onChange?(fn: (isLeader: boolean) => void): () => void
}

/** A single server is always the leader. */
export const alwaysLeader: Leadership = { isLeader: () => true }

/** The reconcile part of the server configuration (resolved). */
export interface ReconcileSettings {
  readonly mode: 'apply' | 'warn'
  readonly suspend: boolean
  /** undefined: no Git source; the server serves whatever the store holds. */
  readonly source?: {
    readonly url: string
    readonly ref?: string
    readonly path?: string
    readonly intervalMs: number
  }
}

export interface ReconcileLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

export interface ReconcilerDeps {
  readonly clock: Clock
  readonly random: Random
  readonly logger: ReconcileLogger
  readonly store: RegistrationStore
  /** The status record and suspend flag: files (one server) or the shared database (replicas). */
  readonly state: ReconcileStateStore
  readonly metrics: ServerMetrics
  readonly leadership: Leadership
  /** Required with `settings.source`. */
  readonly source?: ReconcileSource
  readonly builtinPolicies: readonly PolicyObject[]
  readonly sigilVersion: string
  /** After a commit to the store (push the new entries to agents at once). */
  readonly onApplied?: () => void
}

/** `status` (possibly another replica's record) with this replica's own settings and leadership. */
export function replicaView(
  status: ReconcileStatus,
  settings: ReconcileSettings,
  leader: boolean,
): ReconcileStatus {
  const { leaderInfo: _leaderInfo, source: _source, ...rest } = status
  const s = settings.source
  const source = s
    ? { url: redactUrl(s.url), ...(s.ref ? { ref: s.ref } : {}), ...(s.path ? { path: s.path } : {}) }
    : undefined
  return { ...rest, mode: settings.mode, leader, ...(source ? { source } : {}) }
}
