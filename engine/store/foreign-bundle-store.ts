/**
 * Foreign trust bundles fetched from federation partners' bundle endpoints (DESIGN.md §5,
 * spiffe-reference §4.2). Git declares the relationships (`FederationBundle`); what was fetched, when,
 * and the last failure are run-time state kept here, beside the registration store. Every version a
 * relationship ever served is kept in a bounded history.
 */

/** The latest state of one relationship's fetches. */
export interface ForeignBundleState {
  readonly trustDomain: string
  /** The endpoint fetched last (URL without credentials). */
  readonly endpointUrl: string
  /** The latest good bundle as SPIFFE bundle JSON; '' when no fetch ever succeeded. */
  readonly bundleJson: string
  /** Its `spiffe_sequence` (0 when absent). */
  readonly sequence: number
  /** SHA-256 (hex) of `bundleJson`; '' with it. */
  readonly digest: string
  /** When the current bundle was first fetched (ms; 0 = never). */
  readonly changedAtMs: number
  readonly lastAttemptAtMs: number
  /** Last successful fetch, changed or not (0 = never). */
  readonly lastSuccessAtMs: number
  /** '' after a success; otherwise why the last attempt failed (never secrets). */
  readonly lastError: string
  readonly consecutiveFailures: number
  /** When the poller means to fetch again (ms). */
  readonly nextAttemptAtMs: number
}

/** One bundle version a relationship served. */
export interface ForeignBundleVersion {
  readonly trustDomain: string
  readonly sequence: number
  readonly digest: string
  readonly bundleJson: string
  readonly fetchedAtMs: number
  readonly endpointUrl: string
}

export interface FetchSuccessRecord {
  readonly trustDomain: string
  readonly endpointUrl: string
  readonly bundleJson: string
  readonly sequence: number
  readonly digest: string
  readonly atMs: number
  readonly nextAttemptAtMs: number
}

export interface FetchFailureRecord {
  readonly trustDomain: string
  readonly endpointUrl: string
  readonly error: string
  readonly atMs: number
  readonly nextAttemptAtMs: number
}

/** Versions kept per trust domain; older ones are pruned when a new one arrives. */
export const FOREIGN_BUNDLE_HISTORY_LIMIT = 50

/** Storage of fetched foreign bundles; safe across processes and replicas. */
export interface ForeignBundleStore {
  /** Every relationship's state, sorted by trust domain. */
  listForeignBundles(): Promise<readonly ForeignBundleState[]>
  /**
   * Records a fetch that returned `bundleJson`; when its digest differs from the current one it
   * becomes current and a history version. Returns true when the current bundle changed.
   */
  recordFetchSuccess(record: FetchSuccessRecord): Promise<boolean>
  /** Records a failed fetch; the current bundle stays. */
  recordFetchFailure(record: FetchFailureRecord): Promise<void>
  /** The relationship ended: its current state goes, its history stays. Returns whether one existed. */
  removeForeignBundle(trustDomain: string): Promise<boolean>
  /** How many versions are stored, by trust domain (one query; `sigil bundle list`). */
  countForeignBundleVersions(): Promise<ReadonlyMap<string, number>>
  /** Versions of one trust domain, newest first. */
  listForeignBundleHistory(trustDomain: string): Promise<readonly ForeignBundleVersion[]>
  close(): Promise<void>
}
