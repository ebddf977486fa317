/** Runtime failures of the registration store (ERR_STORE_*). */
import { EngineError } from '../core/errors.js'

/** Why a commit did not fit the store. */
export type ConflictReason = 'lineage' | 'revision' | 'exists' | 'missing' | 'key-mismatch'

/** A commit that does not fit: the base moved, or a write targets something that is (not) there. */
export class StoreConflictError extends EngineError {
  override readonly code = 'ERR_STORE_CONFLICT'
  constructor(
    readonly reason: ConflictReason,
    message: string,
    data: Record<string, unknown> = {},
  ) {
    super('ERR_STORE_CONFLICT', message, { data: { reason, ...data } })
  }
}

/** No store at the given location (read-only commands do not create one). */
export class StoreNotFoundError extends EngineError {
  override readonly code = 'ERR_STORE_NOT_FOUND'
  constructor(readonly location: string) {
    super(
      'ERR_STORE_NOT_FOUND',
      `no registration store at ${location}; run sigil plan or sigil apply first`,
      {
        data: { location },
      },
    )
  }
}

/** The database could not be reached or stayed locked past the busy timeout. */
export class StoreUnavailableError extends EngineError {
  override readonly code = 'ERR_STORE_UNAVAILABLE'
  constructor(message = 'registration store unavailable', cause?: unknown) {
    super('ERR_STORE_UNAVAILABLE', message, { cause })
  }
}

/** The schema is newer than this Sigil, or a migration failed (it was rolled back). */
export class StoreMigrationError extends EngineError {
  override readonly code = 'ERR_STORE_MIGRATION'
  constructor(message: string, data: Record<string, unknown> = {}, cause?: unknown) {
    super('ERR_STORE_MIGRATION', message, { data, cause })
  }
}

/** The file is not a Sigil store, or its bookkeeping rows are missing or malformed. */
export class StoreCorruptError extends EngineError {
  override readonly code = 'ERR_STORE_CORRUPT'
  constructor(message: string, cause?: unknown) {
    super('ERR_STORE_CORRUPT', message, { cause })
  }
}
