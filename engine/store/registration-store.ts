/**
 * The registration store contract (DESIGN.md §4, §8): one asynchronous interface, implemented on
 * better-sqlite3 now (sqlite-store.ts) and on PostgreSQL later for HA. Every write goes through
 * `commitChanges`, one transaction that checks the base revision, bumps it and appends hash-chained
 * audit rows, so a crash leaves the store at the old or the new revision, never between.
 *
 * Planned for later migrations (not yet stored): join tokens (hashed, single use), attested nodes
 * (agent ID, selectors, serial, banned) and the local CA bundle; they will get their own
 * create/fetch/list/delete/prune methods here.
 */
import type {
  LiveEntry,
  LiveFederationBundle,
  LivePolicy,
  LiveRole,
  LiveScope,
  LiveState,
  LiveTrustDomainSettings,
} from '../plan/types.js'

/** Where the store's history stands: `lineage` is fixed at creation, `revision` bumped by every commit. */
export interface StoreRevision {
  readonly lineage: string
  readonly revision: number
}

/** Counts read in one snapshot together with the revision they belong to. */
export interface StoreStats extends StoreRevision {
  readonly trustDomain: string
  /** Entries and node aliases whose ID starts with the requested prefix. */
  readonly managedEntries: number
  /** Entries and node aliases without the prefix: never changed or deleted by apply. */
  readonly unmanagedEntries: number
}

/** An entry as written by apply: `LiveEntry` without the fields the store maintains itself. */
export type EntryRecord = Omit<LiveEntry, 'revisionNumber' | 'createdAt'>

/**
 * One write inside a commit. Creates fail when the ID (or name, for named kinds) exists; updates and
 * deletes fail when it does not, so a commit never does something other than what was planned.
 */
export type StoreWrite =
  | { readonly kind: 'entry'; readonly action: 'create' | 'update'; readonly entry: EntryRecord }
  | { readonly kind: 'entry'; readonly action: 'delete'; readonly id: string; readonly key: string }
  | { readonly kind: 'role'; readonly action: 'create' | 'update'; readonly role: LiveRole }
  | { readonly kind: 'scope'; readonly action: 'create' | 'update'; readonly scope: LiveScope }
  | {
      readonly kind: 'federationBundle'
      readonly action: 'create' | 'update'
      readonly bundle: LiveFederationBundle
    }
  | { readonly kind: 'policy'; readonly action: 'create' | 'update'; readonly policy: LivePolicy }
  | {
      readonly kind: 'role' | 'scope' | 'federationBundle' | 'policy'
      readonly action: 'delete'
      readonly name: string
    }
  | {
      readonly kind: 'trustDomain'
      readonly action: 'create' | 'update' | 'delete'
      readonly name: string
      /** Kept so the next plan can compare settings (TTL defaults, ownership prefix, safety). */
      readonly settings?: LiveTrustDomainSettings
    }

/** One audited change, as recorded in the audit log (small: the full record stays in the tables). */
export interface AuditChange {
  readonly action: 'create' | 'update' | 'delete'
  readonly kind: string
  readonly name: string
  readonly key: string
  readonly id?: string
  /** Updates: the fields that differ. */
  readonly fields?: readonly string[]
}

/** A transaction: expected base, writes, and what the audit log records about it. */
export interface CommitRequest {
  /** The commit is refused with ERR_STORE_CONFLICT unless the store is exactly here. */
  readonly base: StoreRevision
  readonly writes: readonly StoreWrite[]
  /** Milliseconds since the epoch; becomes `createdAt` of new entries and the audit timestamp. */
  readonly atMs: number
  readonly audit: {
    /** Who: `os:<user>` or a caller SPIFFE ID. */
    readonly actor: string
    /** The head row: source repo/commit/path, plan digest, summary. */
    readonly details: Readonly<Record<string, unknown>>
    /** Every change, in order; recorded in `changes` rows of up to 500 changes each. */
    readonly changes: readonly AuditChange[]
  }
  /** Called synchronously inside the transaction every 1,000 writes (progress display). */
  readonly onProgress?: (done: number, total: number) => void
}

export interface CommitResult {
  /** The new revision (base + 1). */
  readonly revision: number
  /** Sequence number of the audit head row of this commit. */
  readonly auditSeq: number
}

/** One row of the append-only audit log. */
export interface AuditRecord {
  /** 1, 2, 3 … without gaps. */
  readonly seq: number
  readonly atMs: number
  readonly actor: string
  /**
   * `store.create`, `apply` (head of a commit: who, source, plan digest, summary) or `changes`
   * (`data.changes`: up to 500 `AuditChange`s of that commit, in order).
   */
  readonly event: string
  /** Store revision the row belongs to. */
  readonly revision: number
  readonly data: Readonly<Record<string, unknown>>
  /** Hex SHA-256 of the previous row (the genesis value for seq 1). */
  readonly prevHash: string
  readonly hash: string
}

export interface ListAuditRecordsRequest {
  /** Only rows at or after this instant (ms). */
  readonly sinceMs?: number
  /** Default 1,000, at most 10,000. */
  readonly pageSize?: number
  readonly pageToken?: string
}

export interface ListEntriesRequest {
  readonly bySpiffeId?: string
  readonly byParentId?: string
  /** Only IDs starting with this prefix (managed entries). */
  readonly byIdPrefix?: string
  /** Default 1,000, at most 10,000. */
  readonly pageSize?: number
  readonly pageToken?: string
}

export interface Page<T> {
  readonly items: readonly T[]
  /** '' on the last page. */
  readonly nextPageToken: string
}

/** What `verifyAuditLog` found: ok, or the first row that breaks the chain. */
export type AuditVerification =
  | { readonly ok: true; readonly rows: number; readonly headHash: string }
  | {
      readonly ok: false
      readonly rows: number
      /** First sequence number at fault. */
      readonly seq: number
      readonly problem: 'hash-mismatch' | 'chain-broken' | 'gap' | 'head-mismatch'
    }

/**
 * The live state at the store's current revision, told as the entry changes since an earlier
 * revision (`readLiveStateChanges`); the other kinds are few, so they come in full.
 */
export interface LiveStateChanges {
  /** Everything but the entries, at `state.revision`. */
  readonly state: Omit<LiveState, 'entries'>
  /** Entries created or updated after the earlier revision, as they are now, sorted by ID. */
  readonly entries: readonly LiveEntry[]
  /** IDs of entries deleted after the earlier revision and not created again, sorted. */
  readonly deletedEntryIds: readonly string[]
}

/** The registration store. Every method is safe to call concurrently from several processes. */
export interface RegistrationStore {
  /** Human-readable location (file path or URL without credentials). */
  readonly location: string
  /** Lineage and revision; cheap enough to poll, so a server notices commits by other processes. */
  fetchRevision(): Promise<StoreRevision>
  /** Revision plus managed/unmanaged entry counts, in one snapshot. */
  fetchStats(entryIdPrefix: string): Promise<StoreStats>
  /** Everything the plan stage needs, in one consistent snapshot. */
  readLiveState(): Promise<LiveState>
  /**
   * The changes from the live state at `since` to the current one, in one consistent snapshot;
   * undefined when the store cannot tell them (another lineage, a revision ahead of the store, or
   * one older than the store's change tracking), and the caller reads the whole state instead.
   */
  readLiveStateChanges(since: StoreRevision): Promise<LiveStateChanges | undefined>
  fetchEntry(id: string): Promise<LiveEntry | undefined>
  /** Entries sorted by ID. */
  listEntries(req?: ListEntriesRequest): Promise<Page<LiveEntry>>
  countEntries(req?: Pick<ListEntriesRequest, 'byIdPrefix'>): Promise<number>
  /** Applies writes in one transaction; throws ERR_STORE_CONFLICT when the base moved or a write does not fit. */
  commitChanges(req: CommitRequest): Promise<CommitResult>
  /** Audit rows in sequence order. */
  listAuditRecords(req?: ListAuditRecordsRequest): Promise<Page<AuditRecord>>
  /** Recomputes the hash chain; detects edited, deleted or truncated rows. */
  verifyAuditLog(): Promise<AuditVerification>
  close(): Promise<void>
}
