/**
 * Leadership as the reconcile loop and `sigil status` see it: who runs the loop and with which
 * fencing epoch. A SQLite server is always the leader; PostgreSQL replicas elect one (leader-elector.ts).
 */

/** The replica recorded as leader in the database. */
export interface LeaderHolder {
  /** Random per process start. */
  readonly id: string
  readonly hostname: string
  readonly pid: number
  /** The agent API address it listens on, when known. */
  readonly address: string
  readonly epoch: number
  readonly acquiredAtMs: number
}

/** What `sigil status` shows about leadership. */
export interface LeaderInfo {
  /** `single`: one server on SQLite; `elected`: PostgreSQL replicas with an advisory-lock lease. */
  readonly mode: 'single' | 'elected'
  /** This process is the leader. */
  readonly isLeader: boolean
  /** This process's epoch while it leads (the fencing token of its commits). */
  readonly epoch: number | undefined
  /** The leader as last recorded in the database (this process or another replica). */
  readonly holder: LeaderHolder | undefined
}

/** The dependency the reconcile loop takes: run a cycle only while `isLeader()`. */
export interface Leadership {
  isLeader(): boolean
  leaderInfo(): LeaderInfo
  /** Calls `fn` on every change of `isLeader()`; returns an unsubscribe function. */
  onChange(fn: (isLeader: boolean) => void): () => void
}

/** The leadership of a lone server (SQLite store): always the leader, no fencing needed. */
export const singleServerLeadership: Leadership = {
  isLeader: () => true,
  leaderInfo: () => ({ mode: 'single', isLeader: true, epoch: undefined, holder: undefined }),
  onChange: () => () => {},
}
