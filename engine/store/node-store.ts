/**
 * The node store contract: join tokens (stored as SHA-256 only, single use) and attested nodes, plus
 * audit rows that are not store revisions (attestations, bans, mint denials) appended to the same
 * hash chain as commits. Implemented on the registration store's SQLite file (sqlite-nodes.ts).
 */

/** A join token as stored: never the token itself. */
export interface JoinTokenRecord {
  /** Lowercase hex SHA-256 of the token. */
  readonly tokenHash: string
  readonly expiresAtMs: number
  readonly createdAtMs: number
  /** `--agent-name`: the agent ID becomes `.../join_token/<name>`; '' = the token itself. */
  readonly agentName: string
  /** `--spiffe-id`: an alias ID whose entries reach this agent; '' = none. */
  readonly aliasId: string
}

/** How a node proved who it is. */
export type AttestationType = 'join_token' | 'k8s_psat'

/** An attested agent: its identity, node selectors and current SVID. */
export interface AttestedNode {
  /** `spiffe://<td>/spire/agent/<type>/...` */
  readonly agentId: string
  readonly attestationType: AttestationType
  /** Node selectors, `type:value`, sorted (always includes `spiffe_id:<agentId>`). */
  readonly selectors: readonly string[]
  /** Extra parent IDs whose entries reach this agent (join token `--spiffe-id`), sorted. */
  readonly aliasIds: readonly string[]
  /** Lowercase hex serial of the last agent SVID issued. */
  readonly svidSerial: string
  readonly svidExpiresAtMs: number
  readonly banned: boolean
  readonly createdAtMs: number
  readonly updatedAtMs: number
}

/** One audit row outside a commit. */
export interface NodeAuditEvent {
  readonly atMs: number
  /** Who: an agent ID, `os:<user>`, `admin-socket`. */
  readonly actor: string
  /**
   * `node.attest`, `node.renew`, `node.ban`, `node.unban`, `token.create`, `mint.denied`,
   * `identity.revoke`, `identity.revoke.lift`.
   */
  readonly event: string
  readonly data: Readonly<Record<string, unknown>>
}

/** Storage of join tokens and attested nodes; every method is safe across processes. */
export interface NodeStore {
  createJoinToken(record: JoinTokenRecord): Promise<void>
  /** Deletes the token and returns it (expired or not): a token is consumed by its first use. */
  consumeJoinToken(tokenHash: string): Promise<JoinTokenRecord | undefined>
  /** Deletes tokens that expired before `beforeMs`; returns how many. */
  pruneJoinTokens(beforeMs: number): Promise<number>
  fetchAttestedNode(agentId: string): Promise<AttestedNode | undefined>
  /** Creates or replaces the node's record, keeping `banned` and `createdAtMs` of an existing one. */
  upsertAttestedNode(node: Omit<AttestedNode, 'banned' | 'createdAtMs'>): Promise<AttestedNode>
  /** Records a renewed SVID; false when the node is unknown. */
  updateAttestedNodeSvid(agentId: string, serial: string, expiresAtMs: number, atMs: number): Promise<boolean>
  /** Sets or clears the ban flag, creating a banned placeholder for a node not yet seen. */
  setAttestedNodeBanned(agentId: string, banned: boolean, atMs: number): Promise<AttestedNode>
  /** Every node, sorted by agent ID. */
  listAttestedNodes(): Promise<readonly AttestedNode[]>
  /** Appends a hash-chained audit row at the current store revision; returns its sequence number. */
  appendAudit(event: NodeAuditEvent): Promise<number>
  /** A number that changes whenever another connection or process committed (`PRAGMA data_version`). */
  dataVersion(): number
  /** Records an emergency revocation and its `identity.revoke` audit row in one transaction. */
  createRevocation(req: CreateRevocationRecord): Promise<Revocation>
  /** Lifts every active revocation of the SPIFFE ID (audit `identity.revoke.lift`); returns them, [] if none. */
  liftRevocation(req: { spiffeId: string; actor: string; atMs: number }): Promise<readonly Revocation[]>
  /** Revocations sorted by SPIFFE ID then ID; with `activeAtMs` only those in force at that instant. */
  listRevocations(req?: { activeAtMs?: number }): Promise<readonly Revocation[]>
  close(): Promise<void>
}

/**
 * An emergency block of one SPIFFE ID (`sigil revoke`): kept apart from registration entries so
 * reconcile never heals it. Active while not lifted and not expired.
 */
export interface Revocation {
  /** Store-assigned, increasing. */
  readonly id: number
  readonly spiffeId: string
  /** `--reason`, free text (required). */
  readonly reason: string
  /** Who revoked: `os:<user>`, `admin-socket`. */
  readonly actor: string
  readonly createdAtMs: number
  /** `--for D` → created + D; null = until lifted. */
  readonly expiresAtMs: number | null
  /** When `sigil revoke --lift` ended it; null while not lifted. */
  readonly liftedAtMs: number | null
  readonly liftedBy: string | null
}

/** What the store records for a new revocation. */
export interface CreateRevocationRecord {
  readonly spiffeId: string
  readonly reason: string
  readonly actor: string
  readonly atMs: number
  readonly expiresAtMs?: number
}

/** Whether `r` is in force at `nowMs` (not lifted, and not expired at or before `nowMs`). */
export function isRevocationActive(r: Revocation, nowMs: number): boolean {
  return r.liftedAtMs === null && (r.expiresAtMs === null || r.expiresAtMs > nowMs)
}

/** What `sigil revoke SPIFFE_ID --reason TEXT [--for D]` asks for. */
export interface RevokeRequest {
  readonly spiffeId: string
  readonly reason: string
  /** `--for`; absent = until lifted. */
  readonly forMs?: number
  readonly actor: string
}

/** A join token just created: the only time the token itself is available. */
export interface CreatedJoinToken {
  readonly token: string
  readonly expiresAtMs: number
  /** '' when the agent ID will be `.../join_token/<token>`. */
  readonly agentName: string
  readonly aliasId: string
}

/** What `sigil token create --ttl D [--agent-name N] [--spiffe-id ID]` asks for. */
export interface CreateJoinTokenRequest {
  readonly ttlMs: number
  readonly agentName?: string
  readonly spiffeId?: string
  /** Who asked (audit). */
  readonly actor: string
}

/**
 * The admin operations on nodes, with the same behaviour whether they run on the SQLite file
 * (engine/api/node-admin.ts) or through a running server's admin socket (admin-client-store.ts).
 */
export interface NodeAdmin {
  createJoinToken(req: CreateJoinTokenRequest): Promise<CreatedJoinToken>
  /** Bans (or with `banned: false` unbans) an agent ID; a banned agent is refused on every RPC. */
  setAgentBanned(req: { agentId: string; banned: boolean; actor: string }): Promise<AttestedNode>
  listAgents(): Promise<readonly AttestedNode[]>
  /** Blocks a SPIFFE ID at once (no SVIDs minted, agents drop it) until lifted or expired. */
  revokeIdentity(req: RevokeRequest): Promise<Revocation>
  /** Lifts the active revocations of a SPIFFE ID; [] when none was active. */
  liftRevocation(req: { spiffeId: string; actor: string }): Promise<readonly Revocation[]>
  /** Revocations; `activeOnly` keeps those in force on the store side's clock. */
  listRevocations(req?: { activeOnly?: boolean }): Promise<readonly Revocation[]>
  close(): Promise<void>
}
