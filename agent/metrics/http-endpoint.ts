/**
 * The agent's optional plain-HTTP endpoint (SHELL): `/healthz` (the process answers), `/readyz`
 * (agent SVID held and a first sync done) and `/metrics` (Prometheus text).
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { EngineError } from '../../engine/core/errors.js'
import type { AgentMetrics } from './agent-metrics.js'

export interface AgentHttpEndpointOptions {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly metrics: AgentMetrics
  /** One readiness check per component. */
  readonly readiness: () => Readonly<Record<string, boolean>>
}

export interface AgentHttpEndpoint {
  readonly host: string
  readonly port: number
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(body) : String(body)
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Starts the endpoint; ERR_API_UNAVAILABLE when the address is taken. */
export async function startAgentHttpEndpoint(options: AgentHttpEndpointOptions): Promise<AgentHttpEndpoint> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'use GET' })
    if (path === '/healthz') return send(res, 200, { status: 'ok' })
    if (path === '/readyz') {
      const checks = options.readiness()
      const ready = Object.values(checks).every(Boolean)
      return send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks })
    }
    if (path !== '/metrics') return send(res, 404, { error: 'not found' })
    options.metrics.render().then(
      (text) => send(res, 200, text, options.metrics.contentType),
      () => send(res, 500, { error: 'internal error' }),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new EngineError(
          'ERR_API_UNAVAILABLE',
          `cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message}`,
          { cause: err, data: { host: options.host, port: options.port, reason: err.code ?? 'listen' } },
        ),
      ),
    )
    server.listen(options.port, options.host, () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
