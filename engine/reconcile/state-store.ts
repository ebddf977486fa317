/**
 * Where the reconciler keeps its status record and the suspend flag: files in the data directory
 * for a single server (SQLite), the database for replicas sharing PostgreSQL
 * (engine/ha/shared-reconcile-state.ts). The reconciler sees only this interface.
 */
import type { CycleResult } from './cycle.js'
import {
  readStatusFile,
  readSuspendFile,
  writeStatusFile,
  writeSuspendFile,
  type ReconcileStatus,
  type SuspendState,
} from './status.js'

/** The replica whose cycle answered a forwarded `reconcile now`. */
export interface AnsweringLeader {
  readonly hostname?: string
  readonly address?: string
  readonly epoch?: number
}

/** A cycle's result, and who ran it when a follower forwarded the request. */
export type NowResult = CycleResult & { readonly forwardedTo?: AnsweringLeader }

/** "Reconcile now" asked through a follower and run by the leader (PostgreSQL replicas only). */
export interface CycleRequests {
  /** Records a request; resolves with its number. */
  request(): Promise<number>
  /** The newest request no cycle has answered yet, if any. */
  fetchPending(): Promise<number | undefined>
  /** Marks every request up to `upTo` as answered by `answer` (leader only: fenced). */
  answer(upTo: number, answer: NowResult): Promise<void>
  /** The answer covering request `seq`, once a leader gave one. */
  fetchAnswer(seq: number): Promise<NowResult | undefined>
}

export interface ReconcileStateStore {
  /** True when other replicas read and write the same records: a follower shows the leader's status. */
  readonly shared: boolean
  fetchStatus(): Promise<ReconcileStatus | undefined>
  /** Replaces the status record; on a shared store refused (ERR_STORE_CONFLICT, `fenced`) unless leading. */
  writeStatus(status: ReconcileStatus): Promise<void>
  /** The suspend flag (absent: never set, not suspended). */
  fetchSuspend(): Promise<SuspendState | undefined>
  writeSuspend(state: SuspendState): Promise<void>
  /** Present on shared stores: followers forward `reconcile now` and webhooks to the leader. */
  readonly requests?: CycleRequests
}

/** `<dataDir>/reconcile/status.json` and `suspend.json`: one server, nothing to share or forward. */
export function fileReconcileState(dataDir: string): ReconcileStateStore {
  return {
    shared: false,
    fetchStatus: () => readStatusFile(dataDir),
    writeStatus: (status) => writeStatusFile(dataDir, status),
    fetchSuspend: () => readSuspendFile(dataDir),
    writeSuspend: (state) => writeSuspendFile(dataDir, state),
  }
}
