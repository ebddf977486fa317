/**
 * Contract types of the plan stage (DESIGN.md §4): what the store reports as live, and the plan that
 * turns live into desired. Plain, serialisable values: a plan is data, saved to disk and applied later.
 */
import type { Diagnostic } from '../core/diagnostics.js'
import type { DeletionLimit, Kind } from '../model/types.js'

/** A registration entry as stored (SPIRE's model plus Sigil's ownership fields). Nodes are entries too. */
export interface LiveEntry {
  /** Entry ID; managed entries start with the trust domain's entryIdPrefix. */
  readonly id: string
  /** 'Node' for node aliases (parent = the server ID), else 'Entry'. */
  readonly kind: 'Entry' | 'Node'
  /** metadata.name of the object that declared it; '' for unmanaged entries. */
  readonly name: string
  readonly spiffeId: string
  readonly parentId: string
  /** Sorted, `type:value`. */
  readonly selectors: readonly string[]
  /** 0 = the trust domain default. */
  readonly x509SvidTtlSeconds: number
  readonly jwtSvidTtlSeconds: number
  readonly dnsNames: readonly string[]
  /** Trust domain names, sorted. */
  readonly federatesWith: readonly string[]
  readonly hint: string
  readonly admin: boolean
  readonly downstream: boolean
  readonly protect: boolean
  /** Role names, sorted. */
  readonly roles: readonly string[]
  /** Unix seconds; 0 = never. */
  readonly expiresAt: number
  /** Bumped on every update of this entry. */
  readonly revisionNumber: number
  /** Unix seconds. */
  readonly createdAt: number
  /** Repository file that declared it, and the commit it was applied from ('' when unknown). */
  readonly sourceFile: string
  readonly sourceCommit: string
}

export interface LiveRole {
  readonly name: string
  readonly description: string
  /** Sorted. */
  readonly scopes: readonly string[]
}

export interface LiveScope {
  readonly name: string
  readonly description: string
}

export interface LiveFederationBundle {
  /** metadata.name */
  readonly name: string
  readonly trustDomain: string
  readonly endpointUrl: string
  readonly endpointProfile: '' | 'https_spiffe' | 'https_web'
  readonly endpointSpiffeId: string
  /** Pinned/bootstrap bundle text as declared ('' = none). */
  readonly bundle: string
}

export interface LivePolicy {
  readonly name: string
  readonly severity: 'error' | 'warning'
  /** Canonical JSON of the policy spec. */
  readonly specJson: string
}

/** The trust domain settings a store last applied (the canonical TrustDomain record without its name). */
export interface LiveTrustDomainSettings {
  readonly x509SvidTtlSeconds: number
  readonly jwtSvidTtlSeconds: number
  readonly maxX509SvidTtlSeconds: number
  readonly maxJwtSvidTtlSeconds: number
  readonly entryIdPrefix: string
  readonly maxDeletions: DeletionLimit
}

/** Everything the plan stage needs from the store, read in one consistent snapshot. */
export interface LiveState {
  /** Fixed when the store is created; a plan from another store is refused. */
  readonly lineage: string
  /** Bumped by every committed change. */
  readonly revision: number
  /** The trust domain the store serves ('' before the first apply). */
  readonly trustDomain: string
  /**
   * The TrustDomain settings last applied, when the store keeps them. When absent, only the trust
   * domain name is compared (settings changes are not planned).
   */
  readonly trustDomainSettings?: LiveTrustDomainSettings
  /** Managed and unmanaged, sorted by id. */
  readonly entries: readonly LiveEntry[]
  readonly roles: readonly LiveRole[]
  readonly scopes: readonly LiveScope[]
  readonly federationBundles: readonly LiveFederationBundle[]
  readonly policies: readonly LivePolicy[]
}

export type ChangeAction = 'create' | 'update' | 'delete'

/** One change. `before`/`after` are canonical records (for entries: LiveEntry without bookkeeping fields). */
export interface Change {
  readonly action: ChangeAction
  readonly kind: Kind
  /** metadata.name (for deletes: the live name, or the entry ID when it had none). */
  readonly name: string
  /** Content-derived key: entryKey() for entries and nodes, the name for other kinds. */
  readonly key: string
  /** Live entry ID for entries and nodes: adopted for updates, minted for creates (prefix + key digest). */
  readonly id?: string
  readonly before?: Readonly<Record<string, unknown>>
  readonly after?: Readonly<Record<string, unknown>>
  /** For updates: the names of the fields that differ, sorted. */
  readonly fields?: readonly string[]
}

/** Scopes a SPIFFE ID gains and loses through its roles. */
export interface AccessChange {
  readonly spiffeId: string
  /** Each `{scope, via: role}`, sorted by scope. */
  readonly gained: readonly { readonly scope: string; readonly via: string }[]
  readonly lost: readonly { readonly scope: string; readonly via: string }[]
}

/** A plan: versioned data; the same inputs give the same bytes apart from `createdAt`. */
export interface Plan {
  readonly formatVersion: 1
  readonly sigilVersion: string
  /** ISO 8601. */
  readonly createdAt: string
  readonly source: { readonly repo: string; readonly commit: string; readonly path: string }
  /** The live state the plan was made against; `apply` refuses when it moved. `kind: 'git'` for --base-ref previews. */
  readonly base: {
    readonly kind: 'store' | 'git'
    readonly lineage: string
    readonly revision: number
    readonly ref?: string
  }
  /** SHA-256 of the canonical desired state the plan leads to. */
  readonly desiredDigest: string
  readonly trustDomain: string
  readonly safety: { readonly maxDeletions: DeletionLimit; readonly entryIdPrefix: string }
  /** Sorted by (kind order, key). */
  readonly changes: readonly Change[]
  readonly accessChanges: readonly AccessChange[]
  /** True when any SPIFFE ID gains a scope. */
  readonly widensAccess: boolean
  readonly summary: {
    readonly create: number
    readonly update: number
    readonly delete: number
    readonly unchanged: number
    /** Live entries outside our ownership prefix: counted, never touched. */
    readonly unmanaged: number
    /**
     * Desired entries not created because an unmanaged live entry has the same key (each also has an
     * `ERR_PLAN_UNMANAGED_CONFLICT` warning). `makePlan` always sets it.
     */
    readonly conflicts?: number
  }
  /** Warnings from lint (plans with errors are refused, so none are errors). */
  readonly diagnostics: readonly Diagnostic[]
}
