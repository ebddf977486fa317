/** Row shapes and SQL of the foreign bundle tables, shared by the SQLite and PostgreSQL stores. */
import type {
  FetchFailureRecord,
  FetchSuccessRecord,
  ForeignBundleState,
  ForeignBundleVersion,
} from './foreign-bundle-store.js'

export interface ForeignBundleRow {
  trust_domain: string
  endpoint_url: string
  bundle_json: string
  sequence: number
  digest: string
  changed_at_ms: number
  last_attempt_at_ms: number
  last_success_at_ms: number
  last_error: string
  consecutive_failures: number
  next_attempt_at_ms: number
}

export interface ForeignBundleHistoryRow {
  trust_domain: string
  sequence: number
  digest: string
  bundle_json: string
  fetched_at_ms: number
  endpoint_url: string
}

export function foreignBundleFromRow(row: ForeignBundleRow): ForeignBundleState {
  return {
    trustDomain: row.trust_domain,
    endpointUrl: row.endpoint_url,
    bundleJson: row.bundle_json,
    sequence: row.sequence,
    digest: row.digest,
    changedAtMs: row.changed_at_ms,
    lastAttemptAtMs: row.last_attempt_at_ms,
    lastSuccessAtMs: row.last_success_at_ms,
    lastError: row.last_error,
    consecutiveFailures: row.consecutive_failures,
    nextAttemptAtMs: row.next_attempt_at_ms,
  }
}

export function foreignBundleVersionFromRow(row: ForeignBundleHistoryRow): ForeignBundleVersion {
  return {
    trustDomain: row.trust_domain,
    sequence: row.sequence,
    digest: row.digest,
    bundleJson: row.bundle_json,
    fetchedAtMs: row.fetched_at_ms,
    endpointUrl: row.endpoint_url,
  }
}

/** Column order of `foreign_bundles` for the upsert statements. */
export const FOREIGN_BUNDLE_COLUMNS = [
  'trust_domain',
  'endpoint_url',
  'bundle_json',
  'sequence',
  'digest',
  'changed_at_ms',
  'last_attempt_at_ms',
  'last_success_at_ms',
  'last_error',
  'consecutive_failures',
  'next_attempt_at_ms',
] as const

/** The values of `row` in FOREIGN_BUNDLE_COLUMNS order. */
export const foreignBundleValues = (row: ForeignBundleRow): unknown[] =>
  FOREIGN_BUNDLE_COLUMNS.map((c) => row[c])

/** A row for a relationship never recorded before (no bundle yet). */
export function emptyForeignBundleRow(trustDomain: string, endpointUrl: string): ForeignBundleRow {
  return {
    trust_domain: trustDomain,
    endpoint_url: endpointUrl,
    bundle_json: '',
    sequence: 0,
    digest: '',
    changed_at_ms: 0,
    last_attempt_at_ms: 0,
    last_success_at_ms: 0,
    last_error: '',
    consecutive_failures: 0,
    next_attempt_at_ms: 0,
  }
}

/** The row after a successful fetch; the bundle columns change only when the digest does. */
export function rowAfterSuccess(
  before: ForeignBundleRow | undefined,
  r: FetchSuccessRecord,
): { row: ForeignBundleRow; changed: boolean } {
  const base = before ?? emptyForeignBundleRow(r.trustDomain, r.endpointUrl)
  const changed = base.digest !== r.digest
  const row: ForeignBundleRow = {
    ...base,
    endpoint_url: r.endpointUrl,
    last_attempt_at_ms: r.atMs,
    last_success_at_ms: r.atMs,
    last_error: '',
    consecutive_failures: 0,
    next_attempt_at_ms: r.nextAttemptAtMs,
    ...(changed
      ? { bundle_json: r.bundleJson, sequence: r.sequence, digest: r.digest, changed_at_ms: r.atMs }
      : {}),
  }
  return { row, changed }
}

/** The row after a failed fetch: the bundle stays, the failure is counted. */
export function rowAfterFailure(
  before: ForeignBundleRow | undefined,
  r: FetchFailureRecord,
): ForeignBundleRow {
  const base = before ?? emptyForeignBundleRow(r.trustDomain, r.endpointUrl)
  return {
    ...base,
    endpoint_url: r.endpointUrl,
    last_attempt_at_ms: r.atMs,
    last_error: r.error,
    consecutive_failures: base.consecutive_failures + 1,
    next_attempt_at_ms: r.nextAttemptAtMs,
  }
}
