/**
 * The agent's optional plain-HTTP endpoint (SHELL): `/healthz` (the process answers), `/readyz`
 * (agent SVID held and a first sync done) and `/metrics` (Prometheus text).
 */
import { createServer } from 'node:http'
import { type ListeningHttpServer, listenHttp, sendHttp } from '../../engine/platform/http-listen.js'
import type { AgentMetrics } from './agent-metrics.js'

export interface AgentHttpEndpointOptions {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly metrics: AgentMetrics
  /** One readiness check per component. */
  readonly readiness: () => Readonly<Record<string, boolean>>
}

export type AgentHttpEndpoint = ListeningHttpServer

const send = sendHttp

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
  return listenHttp(server, options.host, options.port)
}
