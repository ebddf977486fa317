/**
 * The admin socket: HTTP + JSON on a Unix socket in a 0700 directory (only the server's user can
 * connect), exposing the RegistrationStore methods and node administration to the CLI
 * (`--store unix://<path>`). The protocol is defined beside its client, store/admin-client-store.ts.
 */
import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { dirname } from 'node:path'
import { EngineError, isEngineError } from '../core/errors.js'
import {
  ADMIN_MAX_BODY,
  ADMIN_NODE_METHODS,
  ADMIN_STORE_METHODS,
  type AdminError,
} from '../store/admin-client-store.js'
import type { NodeAdmin } from '../store/node-store.js'
import { dispatchReconcile, isReconcileMethod, type ReconcileControl } from '../reconcile/control.js'
import { dispatchFederation, isFederationMethod, type FederationControl } from '../federation/control.js'
import type { RegistrationStore } from '../store/registration-store.js'
import type { ApiLogger } from './agent-handlers.js'

/** A running admin socket. */
export interface AdminSocket {
  readonly path: string
  close(): Promise<void>
}

function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
}

/** Creates the 0700 directory and clears a stale socket; refuses when another server listens there. */
async function prepareSocketPath(path: string): Promise<void> {
  const dir = dirname(path)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700)
  } catch (err) {
    throw new EngineError('ERR_API_UNAVAILABLE', `cannot create admin socket directory ${dir}`, {
      cause: err,
      data: { path: dir, reason: (err as NodeJS.ErrnoException).code ?? 'mkdir' },
    })
  }
  let stat
  try {
    stat = lstatSync(path)
  } catch {
    return
  }
  if (!stat.isSocket()) {
    throw new EngineError('ERR_API_UNAVAILABLE', `admin socket path ${path} exists and is not a socket`, {
      data: { path, reason: 'not-a-socket' },
    })
  }
  if (await socketInUse(path)) {
    throw new EngineError('ERR_API_UNAVAILABLE', `admin socket ${path} is in use by another server`, {
      data: { path, reason: 'in-use' },
    })
  }
  rmSync(path, { force: true })
}

function toAdminError(err: unknown): { status: number; error: AdminError } {
  if (isEngineError(err)) {
    return { status: 400, error: { code: err.code, message: err.message, data: { ...err.data } } }
  }
  if (err instanceof TypeError) return { status: 400, error: { code: 'TypeError', message: err.message } }
  return { status: 500, error: { code: 'ERR_API_UNAVAILABLE', message: 'internal error' } }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > ADMIN_MAX_BODY) req.destroy(new Error('admin request too large'))
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, status: number, doc: unknown): void {
  const text = JSON.stringify(doc)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/**
 * Serves `store` and `nodes` on the Unix socket at `path`. `onCommit` runs after every successful
 * commit (the server pushes the new entries at once instead of waiting for its poll).
 */
export async function startAdminSocket(options: {
  readonly path: string
  readonly store: RegistrationStore
  readonly nodes: NodeAdmin
  readonly logger: ApiLogger
  readonly onCommit?: () => void
  /** `reconcileStatus`, `reconcileSuspend`, `reconcileResume`, `reconcileNow` (engine/reconcile/control.ts). */
  readonly reconcile?: ReconcileControl
  /** `federationList`, `federationHistory` (engine/federation/control.ts). */
  readonly federation?: FederationControl
}): Promise<AdminSocket> {
  const { store, nodes, logger } = options
  const storeMethods = new Set<string>(ADMIN_STORE_METHODS)
  const nodeMethods = new Set<string>(ADMIN_NODE_METHODS)
  const dispatch = async (method: string, args: unknown[]): Promise<unknown> => {
    if (storeMethods.has(method)) {
      const fn = store[method as (typeof ADMIN_STORE_METHODS)[number]] as (
        ...a: unknown[]
      ) => Promise<unknown>
      const result = await fn.apply(store, args)
      if (method === 'commitChanges') options.onCommit?.()
      return result ?? null
    }
    if (options.reconcile && isReconcileMethod(method))
      return dispatchReconcile(options.reconcile, method, args)
    if (options.federation && isFederationMethod(method))
      return dispatchFederation(options.federation, method, args)
    if (nodeMethods.has(method)) {
      const fn = nodes[method as (typeof ADMIN_NODE_METHODS)[number]] as (...a: unknown[]) => Promise<unknown>
      return (await fn.apply(nodes, args)) ?? null
    }
    throw new EngineError('ERR_API_INVALID_ARGUMENT', 'unknown admin method', {
      data: { reason: 'method', method },
    })
  }

  const server: Server = createServer((req, res) => {
    const match = /^\/v1\/([A-Za-z]+)$/.exec(req.url ?? '')
    if (req.method !== 'POST' || !match)
      return send(res, 404, { error: { code: 'ERR_API_INVALID_ARGUMENT', message: 'not found' } })
    const method = match[1] as string
    readBody(req)
      .then((text) => {
        const doc = JSON.parse(text === '' ? '{}' : text) as { args?: unknown }
        if (doc.args !== undefined && !Array.isArray(doc.args)) throw new TypeError('args must be an array')
        return dispatch(method, (doc.args as unknown[] | undefined) ?? [])
      })
      .then(
        (result) => send(res, 200, { result }),
        (err: unknown) => {
          const { status, error } = toAdminError(
            err instanceof SyntaxError ? new TypeError('malformed json') : err,
          )
          logger.debug({ method, code: error.code }, 'admin call failed')
          send(res, status, { error })
        },
      )
  })
  await prepareSocketPath(options.path)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new EngineError(
          'ERR_API_UNAVAILABLE',
          `cannot listen on admin socket ${options.path}: ${err.code ?? err.message}`,
          {
            cause: err,
            data: { path: options.path, reason: err.code ?? 'listen' },
          },
        ),
      ),
    )
    server.listen(options.path, () => resolve())
  })
  chmodSync(options.path, 0o600)
  return {
    path: options.path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(options.path, { force: true })
          resolve()
        })
        server.closeAllConnections()
      }),
  }
}
