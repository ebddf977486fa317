/**
 * Runtime failures: `EngineError` subclasses with a stable `code` from the closed `ErrorCode` union.
 * Codes are public API: never rename one, only add. Problems in user input are `Diagnostic`s instead.
 */

/** Every runtime error code. Add new codes here; `api/status.ts` must map each one. */
export type ErrorCode =
  | 'ERR_SOURCE_UNREACHABLE'
  | 'ERR_SOURCE_REF_NOT_FOUND'
  | 'ERR_SOURCE_EMPTY'
  | 'ERR_SOURCE_HISTORY_REWRITTEN'
  | 'ERR_SOURCE_VERIFY_FAILED'
  | 'ERR_SOURCE_IO'
  | 'ERR_MODEL_INVALID'
  | 'ERR_PLAN_STALE'
  | 'ERR_PLAN_LINEAGE_MISMATCH'
  | 'ERR_PLAN_CORRUPT'
  | 'ERR_PLAN_FORMAT_VERSION'
  | 'ERR_PLAN_INVALID_INPUT'
  | 'ERR_APPLY_TOO_MANY_DELETIONS'
  | 'ERR_APPLY_EMPTY_TARGET'
  | 'ERR_APPLY_PROTECTED'
  | 'ERR_APPLY_UNMANAGED'
  | 'ERR_APPLY_NOT_CONFIRMED'
  | 'ERR_STORE_NOT_FOUND'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_STORE_MIGRATION'
  | 'ERR_STORE_CORRUPT'
  | 'ERR_CA_KEY'
  | 'ERR_CA_NOT_READY'
  | 'ERR_CA_INVALID_CSR'
  | 'ERR_CA_INVALID_REQUEST'
  | 'ERR_CA_SVID_CHECK'
  | 'ERR_CA_BUNDLE'
  | 'ERR_CA_JWT_INVALID'
  | 'ERR_API_UNAUTHENTICATED'
  | 'ERR_API_PERMISSION_DENIED'
  | 'ERR_API_INVALID_ARGUMENT'
  | 'ERR_API_RATE_LIMITED'
  | 'ERR_API_UNAVAILABLE'
  | 'ERR_ATTEST_FAILED'
  | 'ERR_ATTEST_TOKEN_INVALID'
  | 'ERR_ATTEST_BANNED'
  | 'ERR_WORKLOAD_NO_IDENTITY'
  | 'ERR_WORKLOAD_ATTESTATION_FAILED'
  | 'ERR_WORKLOAD_INVALID_ARGUMENT'
  | 'ERR_WORKLOAD_NOT_READY'
  | 'ERR_WORKLOAD_PEER_CREDENTIALS'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_FEDERATION_FETCH'

/** Base of every runtime error. `data` carries typed details; `cause` the underlying error. */
export class EngineError extends Error {
  readonly code: ErrorCode
  readonly data: Readonly<Record<string, unknown>>

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; data?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'EngineError'
    this.code = code
    this.data = options.data ?? {}
  }
}

/** True for an `EngineError`, optionally with the given code. */
export function isEngineError(err: unknown, code?: ErrorCode): err is EngineError {
  return err instanceof EngineError && (code === undefined || err.code === code)
}
