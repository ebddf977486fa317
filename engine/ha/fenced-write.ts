/** Writes only the current leader may make: checked against `meta.leader_epoch` in their own transaction. */
import type pg from 'pg'
import { checkFence } from '../store/postgres/commit.js'
import type { PostgresDatabase } from '../store/postgres/database.js'
import { StoreFencedError } from '../store/postgres/fencing.js'

/** The current leader epoch, or undefined when this replica does not lead. */
export type EpochSource = () => number | undefined

/**
 * Runs `fn` in one transaction only while `epoch()` is the recorded leader epoch; otherwise
 * ERR_STORE_CONFLICT with `reason: fenced` and nothing is written.
 */
export async function fencedWrite(
  db: PostgresDatabase,
  epoch: EpochSource,
  fn: (c: pg.ClientBase, epoch: number) => Promise<void>,
): Promise<void> {
  const current = epoch()
  if (current === undefined) throw new StoreFencedError(0, -1)
  await db.transaction(async (c) => {
    await checkFence(c, current)
    await fn(c, current)
  })
}
