/**
 * The only ErrorCode → gRPC status table (STYLE.md example 10). A new code does not compile until it
 * is mapped here. NOT_FOUND and internal failures hide their cause from the caller.
 */
import { status, type ServiceError } from '@grpc/grpc-js'
import { Metadata } from '@grpc/grpc-js'
import { isEngineError, type ErrorCode } from '../core/errors.js'

/** gRPC status for every engine error code. */
export const GRPC_STATUS: Record<ErrorCode, status> = {
  ERR_SOURCE_UNREACHABLE: status.UNAVAILABLE,
  ERR_SOURCE_REF_NOT_FOUND: status.NOT_FOUND,
  ERR_SOURCE_EMPTY: status.FAILED_PRECONDITION,
  ERR_SOURCE_HISTORY_REWRITTEN: status.FAILED_PRECONDITION,
  ERR_SOURCE_VERIFY_FAILED: status.FAILED_PRECONDITION,
  ERR_SOURCE_IO: status.INTERNAL,
  ERR_MODEL_INVALID: status.INVALID_ARGUMENT,
  ERR_PLAN_STALE: status.FAILED_PRECONDITION,
  ERR_PLAN_LINEAGE_MISMATCH: status.FAILED_PRECONDITION,
  ERR_PLAN_CORRUPT: status.INVALID_ARGUMENT,
  ERR_PLAN_FORMAT_VERSION: status.INVALID_ARGUMENT,
  ERR_PLAN_INVALID_INPUT: status.INVALID_ARGUMENT,
  ERR_APPLY_TOO_MANY_DELETIONS: status.FAILED_PRECONDITION,
  ERR_APPLY_EMPTY_TARGET: status.FAILED_PRECONDITION,
  ERR_APPLY_PROTECTED: status.FAILED_PRECONDITION,
  ERR_APPLY_UNMANAGED: status.FAILED_PRECONDITION,
  ERR_APPLY_NOT_CONFIRMED: status.FAILED_PRECONDITION,
  ERR_STORE_NOT_FOUND: status.NOT_FOUND,
  ERR_STORE_CONFLICT: status.ABORTED,
  ERR_STORE_UNAVAILABLE: status.UNAVAILABLE,
  ERR_STORE_MIGRATION: status.FAILED_PRECONDITION,
  ERR_STORE_CORRUPT: status.INTERNAL,
  ERR_CA_KEY: status.INTERNAL,
  ERR_CA_NOT_READY: status.UNAVAILABLE,
  ERR_CA_INVALID_CSR: status.INVALID_ARGUMENT,
  ERR_CA_INVALID_REQUEST: status.INVALID_ARGUMENT,
  ERR_CA_SVID_CHECK: status.INTERNAL,
  ERR_CA_BUNDLE: status.INTERNAL,
  ERR_CA_JWT_INVALID: status.INVALID_ARGUMENT,
  ERR_API_UNAUTHENTICATED: status.UNAUTHENTICATED,
  ERR_API_PERMISSION_DENIED: status.PERMISSION_DENIED,
  ERR_API_INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  ERR_API_RATE_LIMITED: status.RESOURCE_EXHAUSTED,
  ERR_API_UNAVAILABLE: status.UNAVAILABLE,
  ERR_ATTEST_FAILED: status.PERMISSION_DENIED,
  ERR_ATTEST_TOKEN_INVALID: status.PERMISSION_DENIED,
  ERR_ATTEST_BANNED: status.PERMISSION_DENIED,
  ERR_WORKLOAD_NO_IDENTITY: status.PERMISSION_DENIED,
  ERR_WORKLOAD_ATTESTATION_FAILED: status.PERMISSION_DENIED,
  ERR_WORKLOAD_INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  ERR_WORKLOAD_NOT_READY: status.UNAVAILABLE,
  ERR_WORKLOAD_PEER_CREDENTIALS: status.PERMISSION_DENIED,
  ERR_CONFIG_INVALID: status.INVALID_ARGUMENT,
  ERR_FEDERATION_FETCH: status.UNAVAILABLE,
}

/** Codes whose message may reach the caller; the rest get a generic message. */
const HIDDEN = new Set<status>([status.INTERNAL, status.NOT_FOUND, status.UNKNOWN])

/** The gRPC status of any thrown value (UNKNOWN/INTERNAL for non-engine errors). */
export function grpcStatusOf(err: unknown): status {
  return isEngineError(err) ? GRPC_STATUS[err.code] : status.INTERNAL
}

/** A ServiceError for the wire: the status from the table, the engine code in `sigil-error-code` metadata. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const code = grpcStatusOf(err)
  const metadata = new Metadata()
  if (isEngineError(err)) metadata.set('sigil-error-code', err.code)
  const details = HIDDEN.has(code)
    ? code === status.NOT_FOUND
      ? 'not found'
      : 'internal error'
    : messageOf(err)
  return { code, details, metadata }
}

/** The per-item status of batch RPCs (proto `Status`). */
export function toItemStatus(err: unknown): { code: number; message: string } {
  const s = toServiceError(err)
  return { code: s.code ?? status.INTERNAL, message: s.details ?? '' }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : 'error'
}
