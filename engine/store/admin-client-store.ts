/**
 * A RegistrationStore (and NodeAdmin) that talks to a running `sigil server` over its admin socket:
 * HTTP + JSON on a Unix socket, `POST /v1/<method>` with `{"args": [...]}`, answered with
 * `{"result": …}` or `{"error": {code, message, data}}`. `--store unix:///path/admin.sock`.
 */
import { request } from 'node:http'
import { EngineError, type ErrorCode } from '../core/errors.js'
import type { LiveState } from '../plan/types.js'
import { StoreConflictError, StoreUnavailableError, type ConflictReason } from './errors.js'
import type {
  AttestedNode,
  CreatedJoinToken,
  CreateJoinTokenRequest,
  NodeAdmin,
  Revocation,
  RevokeRequest,
} from './node-store.js'
import type {
  AuditRecord,
  AuditVerification,
  CommitRequest,
  CommitResult,
  ListAuditRecordsRequest,
  ListEntriesRequest,
  LiveStateChanges,
  Page,
  RegistrationStore,
  StoreRevision,
  StoreStats,
} from './registration-store.js'

/** Store methods served on the admin socket. */
export const ADMIN_STORE_METHODS = [
  'fetchRevision',
  'fetchStats',
  'readLiveState',
  'readLiveStateChanges',
  'fetchEntry',
  'listEntries',
  'countEntries',
  'commitChanges',
  'listAuditRecords',
  'verifyAuditLog',
] as const

/** Node administration methods served on the admin socket. */
export const ADMIN_NODE_METHODS = [
  'createJoinToken',
  'setAgentBanned',
  'listAgents',
  'revokeIdentity',
  'liftRevocation',
  'listRevocations',
] as const

/** Largest request or response body, bytes (a commit of 100k entries is ~60 MB of JSON). */
export const ADMIN_MAX_BODY = 512 * 1024 * 1024

/** The wire form of an error. */
export interface AdminError {
  readonly code: string
  readonly message: string
  readonly data?: Record<string, unknown>
}

/** Rebuilds an engine error from its wire form (StoreConflictError keeps its class for apply). */
export function errorFromAdmin(e: AdminError): Error {
  if (e.code === 'ERR_STORE_CONFLICT') {
    const { reason, ...data } = e.data ?? {}
    return new StoreConflictError(reason as ConflictReason, e.message, data)
  }
  if (e.code.startsWith('ERR_')) {
    return new EngineError(e.code as ErrorCode, e.message, e.data ? { data: e.data } : {})
  }
  return new TypeError(e.message)
}

/** The socket path of a `unix://` store URL (`unix:///abs/path` or `unix:relative/path`). */
export function adminSocketPath(url: string): string {
  const rest = url.replace(/^unix:/i, '')
  return rest.startsWith('//') ? rest.slice(2) : rest
}

/**
 * Calls `method` on the admin socket at `socketPath` (`POST /v1/<method>` with `{"args": [...]}`):
 * resolves with `result`, rejects with the engine error rebuilt from `error`, and with
 * ERR_STORE_UNAVAILABLE when no server answers or the answer is not JSON.
 */
export function callAdmin<T>(socketPath: string, method: string, args: readonly unknown[] = []): Promise<T> {
  const body = JSON.stringify({ args })
  return new Promise<T>((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: `/v1/${method}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > ADMIN_MAX_BODY) req.destroy(new Error('admin response too large'))
          else chunks.push(chunk)
        })
        res.on('end', () => {
          let doc: { result?: T; error?: AdminError }
          try {
            doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof doc
          } catch (err) {
            return reject(
              new StoreUnavailableError(`admin socket ${socketPath} sent a malformed answer`, err),
            )
          }
          if (doc.error) reject(errorFromAdmin(doc.error))
          else resolve(doc.result as T)
        })
      },
    )
    req.on('error', (err) =>
      reject(new StoreUnavailableError(`cannot reach the sigil server admin socket ${socketPath}`, err)),
    )
    req.end(body)
  })
}

/** The admin-socket client: every RegistrationStore method plus NodeAdmin. */
export class AdminClientStore implements RegistrationStore, NodeAdmin {
  readonly location: string

  constructor(private readonly socketPath: string) {
    this.location = `unix://${socketPath}`
  }

  fetchRevision = () => callAdmin<StoreRevision>(this.socketPath, 'fetchRevision', [])
  fetchStats = (prefix: string) => callAdmin<StoreStats>(this.socketPath, 'fetchStats', [prefix])
  readLiveState = () => callAdmin<LiveState>(this.socketPath, 'readLiveState', [])
  readLiveStateChanges = async (since: StoreRevision) =>
    (await callAdmin<LiveStateChanges | null>(this.socketPath, 'readLiveStateChanges', [since])) ?? undefined
  fetchEntry = async (id: string) =>
    (await callAdmin<LiveState['entries'][number] | null>(this.socketPath, 'fetchEntry', [id])) ?? undefined
  listEntries = (req: ListEntriesRequest = {}) =>
    callAdmin<Page<LiveState['entries'][number]>>(this.socketPath, 'listEntries', [req])
  countEntries = (req: Pick<ListEntriesRequest, 'byIdPrefix'> = {}) =>
    callAdmin<number>(this.socketPath, 'countEntries', [req])
  commitChanges = (req: CommitRequest) => {
    // progress callbacks cannot cross the socket; the server commits in one transaction either way
    const { onProgress: _onProgress, ...rest } = req
    return callAdmin<CommitResult>(this.socketPath, 'commitChanges', [rest])
  }
  listAuditRecords = (req: ListAuditRecordsRequest = {}) =>
    callAdmin<Page<AuditRecord>>(this.socketPath, 'listAuditRecords', [req])
  verifyAuditLog = () => callAdmin<AuditVerification>(this.socketPath, 'verifyAuditLog', [])

  createJoinToken = (req: CreateJoinTokenRequest) =>
    callAdmin<CreatedJoinToken>(this.socketPath, 'createJoinToken', [req])
  setAgentBanned = (req: { agentId: string; banned: boolean; actor: string }) =>
    callAdmin<AttestedNode>(this.socketPath, 'setAgentBanned', [req])
  listAgents = () => callAdmin<readonly AttestedNode[]>(this.socketPath, 'listAgents', [])
  revokeIdentity = (req: RevokeRequest) => callAdmin<Revocation>(this.socketPath, 'revokeIdentity', [req])
  liftRevocation = (req: { spiffeId: string; actor: string }) =>
    callAdmin<readonly Revocation[]>(this.socketPath, 'liftRevocation', [req])
  listRevocations = (req: { activeOnly?: boolean } = {}) =>
    callAdmin<readonly Revocation[]>(this.socketPath, 'listRevocations', [req])

  close(): Promise<void> {
    return Promise.resolve()
  }
}

/**
 * Opens a client for the admin socket at `url` (`unix:///path/admin.sock`). No connection is made
 * until the first call.
 */
export function openAdminClientStore(url: string): AdminClientStore {
  return new AdminClientStore(adminSocketPath(url))
}
