/**
 * The reconcile status and suspend flag of replicas sharing one PostgreSQL database (schema v4,
 * `reconcile_status` and `reconcile_control`): the leader writes the status under its epoch, every
 * replica reads it, and any replica may suspend, resume or forward a "reconcile now" to the leader.
 */
import type { Clock } from '../core/clock.js'
import { StoreCorruptError } from '../store/errors.js'
import type { PostgresDatabase } from '../store/postgres/database.js'
import type { NowResult, ReconcileStateStore } from '../reconcile/state-store.js'
import type { ReconcileStatus, SuspendState } from '../reconcile/status.js'
import { fencedWrite, type EpochSource } from './fenced-write.js'

export interface SharedReconcileStateParams {
  readonly db: PostgresDatabase
  /** This replica's epoch while it leads: status writes and answers carry it. */
  readonly epoch: EpochSource
  readonly clock: Clock
}

const parse = <T>(text: string | null | undefined): T | undefined => {
  if (!text) return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined // a hand-edited row is ignored, as a hand-edited status file is
  }
}

/** @example const state = createSharedReconcileState({ db: store.db, epoch: () => elector.epoch, clock }) */
export function createSharedReconcileState(p: SharedReconcileStateParams): ReconcileStateStore {
  const { db } = p
  const control = async () => {
    const res = await db.query<{
      suspend: string | null
      cycle_requested: number
      cycle_answered: number
      cycle_answer: string | null
    }>('SELECT suspend, cycle_requested, cycle_answered, cycle_answer FROM reconcile_control WHERE id = 1')
    const row = res.rows[0]
    if (!row) throw new StoreCorruptError('reconcile_control has no row')
    return row
  }
  return {
    shared: true,
    async fetchStatus() {
      const res = await db.query<{ status: string }>('SELECT status FROM reconcile_status WHERE id = 1')
      const status = parse<ReconcileStatus>(res.rows[0]?.status)
      return status?.formatVersion === 1 ? status : undefined
    },
    writeStatus: (status) =>
      fencedWrite(db, p.epoch, async (c, epoch) => {
        // the fence already refuses a stale epoch; the WHERE keeps the row monotonic regardless
        await c.query(
          `INSERT INTO reconcile_status (id, leader_epoch, written_at_ms, status) VALUES (1, $1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET leader_epoch = excluded.leader_epoch,
             written_at_ms = excluded.written_at_ms, status = excluded.status
           WHERE reconcile_status.leader_epoch <= excluded.leader_epoch`,
          [epoch, p.clock.now(), JSON.stringify(status)],
        )
      }),
    async fetchSuspend() {
      const state = parse<SuspendState>((await control()).suspend)
      return typeof state?.suspended === 'boolean' ? state : undefined
    },
    async writeSuspend(state) {
      // operator intent, not leader output: any replica records it, unfenced
      await db.query('UPDATE reconcile_control SET suspend = $1 WHERE id = 1', [JSON.stringify(state)])
    },
    requests: {
      async request() {
        const res = await db.query<{ cycle_requested: number }>(
          'UPDATE reconcile_control SET cycle_requested = cycle_requested + 1 WHERE id = 1 RETURNING cycle_requested',
        )
        return Number(res.rows[0]?.cycle_requested)
      },
      async fetchPending() {
        const row = await control()
        return row.cycle_requested > row.cycle_answered ? row.cycle_requested : undefined
      },
      answer: (upTo, answer) =>
        fencedWrite(db, p.epoch, async (c) => {
          await c.query(
            `UPDATE reconcile_control SET cycle_answered = $1, cycle_answer = $2
             WHERE id = 1 AND cycle_answered < $1`,
            [upTo, JSON.stringify(answer)],
          )
        }),
      async fetchAnswer(seq) {
        const row = await control()
        return row.cycle_answered >= seq ? parse<NowResult>(row.cycle_answer) : undefined
      },
    },
  }
}
