/**
 * The server's plain-HTTP endpoint (SHELL): `/healthz` (the process answers), `/readyz` (store open,
 * CA ready, a good state in force), `/metrics` (Prometheus text) and `POST /hooks/git` (webhook).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type ListeningHttpServer, listenHttp, sendHttp } from '../platform/http-listen.js'
import type { ServerMetrics } from './metrics.js'
import type { ReconcileLogger } from './reconciler.js'
import { checkWebhook } from './webhook.js'

/** Largest webhook body read, bytes (GitHub caps push payloads at 25 MB; only `ref` is used). */
export const MAX_WEBHOOK_BODY = 25 * 1024 * 1024

/** One readiness check per component. */
export type Readiness = () => Promise<Readonly<Record<string, boolean>>>

export interface HttpEndpointOptions {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly metrics: ServerMetrics
  readonly readiness: Readiness
  readonly logger: ReconcileLogger
  /** Absent: `/hooks/git` answers 404 (no secret configured, so no unauthenticated triggers). */
  readonly webhook?: {
    readonly secret: string
    readonly ref?: string
    /** Queues a cycle; false when suspended. */
    readonly trigger: (reason: string) => boolean
  }
  /** More routes (the authz API, engine/authz/http-api.ts): true when it took the request. */
  readonly routes?: (req: IncomingMessage, res: ServerResponse) => boolean
}

export type HttpEndpoint = ListeningHttpServer

const send = sendHttp

function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > max) {
        resolve(undefined)
        req.resume()
      } else chunks.push(chunk)
    })
    req.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

async function hook(req: IncomingMessage, res: ServerResponse, options: HttpEndpointOptions): Promise<void> {
  const { webhook, metrics, logger } = options
  if (!webhook) return send(res, 404, { error: 'webhook not configured' })
  const body = await readBody(req, MAX_WEBHOOK_BODY)
  if (!body) return send(res, 413, { error: 'payload too large' })
  const verdict = checkWebhook(req.headers, body, webhook)
  let result: string = verdict.result
  if (verdict.result === 'accepted' && !webhook.trigger(`webhook:${verdict.provider}`)) result = 'ignored'
  metrics.webhooks.inc({ provider: verdict.provider, result })
  // the signature and token headers are never logged
  logger[verdict.status === 401 ? 'warn' : 'debug'](
    { provider: verdict.provider, result, ...(verdict.ref ? { ref: verdict.ref } : {}) },
    verdict.status === 401 ? 'webhook signature rejected' : 'webhook received',
  )
  if (verdict.status !== 202) return send(res, verdict.status, { error: verdict.reason ?? verdict.result })
  send(res, 202, {
    triggered: result === 'accepted',
    ...(result === 'accepted' ? {} : { reason: verdict.reason ?? 'suspended' }),
  })
}

async function route(req: IncomingMessage, res: ServerResponse, options: HttpEndpointOptions): Promise<void> {
  if (options.routes?.(req, res)) return
  const path = (req.url ?? '').split('?')[0]
  if (path === '/hooks/git') {
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' })
    return hook(req, res, options)
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'use GET' })
  if (path === '/healthz') return send(res, 200, { status: 'ok' })
  if (path === '/readyz') {
    const checks = await options.readiness()
    const ready = Object.values(checks).every(Boolean)
    return send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks })
  }
  if (path === '/metrics') return send(res, 200, await options.metrics.render(), options.metrics.contentType)
  send(res, 404, { error: 'not found' })
}

/** Starts the endpoint; ERR_API_UNAVAILABLE when the address is taken. */
export async function startHttpEndpoint(options: HttpEndpointOptions): Promise<HttpEndpoint> {
  const server: Server = createServer((req, res) => {
    route(req, res, options).catch((err: unknown) => {
      options.logger.warn({ err: (err as Error).message }, 'http endpoint error')
      if (!res.headersSent) send(res, 500, { error: 'internal error' })
    })
  })
  return listenHttp(server, options.host, options.port)
}
