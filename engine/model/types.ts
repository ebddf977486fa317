/**
 * The typed desired state built from the identity repository (DESIGN.md §2). Every object keeps
 * where it was declared so later stages (validate, policy, plan) can point at it. These types are a
 * contract between model → validate/policy → plan → apply → store: plain, serialisable values.
 */
import type { SourceSpan } from '../core/diagnostics.js'

export const API_VERSION = 'sigil/v1'

/** Every kind, in plan order (parents before children). */
export const KINDS = ['TrustDomain', 'Scope', 'Role', 'FederationBundle', 'Node', 'Entry', 'Policy'] as const
export type Kind = (typeof KINDS)[number]

export interface ObjectMeta {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
}

/** Where a document came from: file (relative, forward slashes), its index in a multi-document file, and spans. */
export interface ObjectSource {
  readonly file: string
  /** 0-based index of the document inside its file. */
  readonly documentIndex: number
  /** Span of the whole document. */
  readonly span: SourceSpan
}

interface Base<K extends Kind, S> {
  readonly kind: K
  readonly metadata: ObjectMeta
  readonly spec: S
  readonly source: ObjectSource
  /** The document as written (plain JSON-compatible data), for CEL policies and messages. */
  readonly raw: Readonly<Record<string, unknown>>
}

/** Deletion limit: a count of entries, or a percentage of managed entries. */
export type DeletionLimit =
  { readonly kind: 'count'; readonly value: number } | { readonly kind: 'percent'; readonly value: number }

export interface TrustDomainSpec {
  /** Default X509-SVID TTL for entries that set none; default 1h. */
  readonly x509SvidTtlSeconds: number
  /** Default JWT-SVID TTL; default 5m. */
  readonly jwtSvidTtlSeconds: number
  /** Ceiling; an entry above it is a lint error. Default 24h. */
  readonly maxX509SvidTtlSeconds: number
  /** Ceiling; default 1h. */
  readonly maxJwtSvidTtlSeconds: number
  /** Live entries whose ID lacks this prefix are unmanaged. Default `sigil.`. */
  readonly entryIdPrefix: string
  /** Default 10%. */
  readonly maxDeletions: DeletionLimit
}
export type TrustDomainObject = Base<'TrustDomain', TrustDomainSpec>

export interface ScopeSpec {
  readonly description: string
}
export type ScopeObject = Base<'Scope', ScopeSpec>

export interface RoleSpec {
  readonly description: string
  readonly scopes: readonly string[]
}
export type RoleObject = Base<'Role', RoleSpec>

export interface EntrySpec {
  readonly spiffeId: string
  readonly parentId: string
  /** As declared, `type:value`. */
  readonly selectors: readonly string[]
  readonly roles: readonly string[]
  /** Undefined = the trust domain default. */
  readonly x509SvidTtlSeconds?: number
  readonly jwtSvidTtlSeconds?: number
  readonly dnsNames: readonly string[]
  /** Trust domain names (not IDs). */
  readonly federatesWith: readonly string[]
  readonly hint: string
  readonly admin: boolean
  readonly downstream: boolean
  /** Never deleted by apply or reconcile. */
  readonly protect: boolean
  /** Unix seconds; undefined = never. */
  readonly expiresAt?: number
}
export type EntryObject = Base<'Entry', EntrySpec>

export interface NodeSpec {
  readonly spiffeId: string
  /** Node selectors (k8s_psat, spiffe_id, …). */
  readonly selectors: readonly string[]
  readonly protect: boolean
}
export type NodeObject = Base<'Node', NodeSpec>

export interface BundleEndpoint {
  readonly url: string
  readonly profile: 'https_spiffe' | 'https_web'
  /** Required for https_spiffe. */
  readonly spiffeId?: string
}

export interface FederationBundleSpec {
  readonly trustDomain: string
  readonly bundleEndpoint?: BundleEndpoint
  /** SPIFFE bundle JSON or PEM, pinned or bootstrap. */
  readonly bundle?: string
}
export type FederationBundleObject = Base<'FederationBundle', FederationBundleSpec>

export interface PolicyMatch {
  readonly kinds: readonly Kind[]
  readonly spiffeIdPrefix?: string
  readonly labels: Readonly<Record<string, string>>
}

export interface PolicySpec {
  readonly severity: 'error' | 'warning'
  readonly match: PolicyMatch
  /** CEL; `object` is the matched document (as written, with defaults), `repository` the whole desired state. */
  readonly expression: string
  readonly message: string
  readonly rationale: string
}
export type PolicyObject = Base<'Policy', PolicySpec>

export type AnyObject =
  | TrustDomainObject
  | ScopeObject
  | RoleObject
  | EntryObject
  | NodeObject
  | FederationBundleObject
  | PolicyObject

/** The whole repository, by kind, each list sorted by name. */
export interface DesiredState {
  /** Undefined only when the repository declares none (a lint error). */
  readonly trustDomain?: TrustDomainObject
  readonly scopes: readonly ScopeObject[]
  readonly roles: readonly RoleObject[]
  readonly entries: readonly EntryObject[]
  readonly nodes: readonly NodeObject[]
  readonly federationBundles: readonly FederationBundleObject[]
  readonly policies: readonly PolicyObject[]
}

/** One file handed to the model: path relative to the repository root (forward slashes) and its text. */
export interface SourceFile {
  readonly path: string
  readonly text: string
}

/** What the source stage produces: files plus where they came from. */
export interface SourceSnapshot {
  /** Repository URL or local path. */
  readonly repo: string
  /** Commit SHA, or undefined for a plain directory / dirty working tree. */
  readonly commit?: string
  /** Sub-directory inside the repository that was read ('' = root). */
  readonly path: string
  readonly files: readonly SourceFile[]
  /** True when read from a Git working tree whose files differ from its HEAD commit (then `commit` is unset). */
  readonly dirty?: boolean
}
