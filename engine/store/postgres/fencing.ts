/** Fencing of a stale leader: its commits carry an epoch that is no longer the recorded one. */
import { EngineError, isEngineError } from '../../core/errors.js'

/**
 * A commit made with a leader epoch that has since moved on: another replica took over. The code
 * is ERR_STORE_CONFLICT (the commit does not fit the store) with `data.reason` = `fenced`.
 */
export class StoreFencedError extends EngineError {
  override readonly code = 'ERR_STORE_CONFLICT'
  constructor(
    readonly epoch: number,
    readonly currentEpoch: number,
  ) {
    super('ERR_STORE_CONFLICT', `leader epoch ${epoch} is stale (now ${currentEpoch}): leadership was lost`, {
      data: { reason: 'fenced', epoch, currentEpoch },
    })
  }
}

/** True when `err` says this replica is no longer the leader. */
export function isFencedError(err: unknown): boolean {
  return isEngineError(err, 'ERR_STORE_CONFLICT') && err.data['reason'] === 'fenced'
}
