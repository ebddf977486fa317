/** Small HTTP plumbing shared by the server's and the agent's health/metrics endpoints. */
import type { Server, ServerResponse } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { EngineError } from '../core/errors.js'

/** A listening HTTP server: where it listens and how to stop it. */
export interface ListeningHttpServer {
  readonly host: string
  readonly port: number
  /** Stops accepting and closes every open connection. */
  close(): Promise<void>
}

/** Writes a JSON body (or text with `type`) with its length. */
export function sendHttp(
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
): void {
  const text = type === 'application/json' ? JSON.stringify(body) : String(body)
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Listens on host:port (0 = any free port); ERR_API_UNAVAILABLE when the address is taken. */
export async function listenHttp(
  server: Server | HttpsServer,
  host: string,
  port: number,
): Promise<ListeningHttpServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new EngineError(
          'ERR_API_UNAVAILABLE',
          `cannot listen on ${host}:${port}: ${err.code ?? err.message}`,
          {
            cause: err,
            data: { host, port, reason: err.code ?? 'listen' },
          },
        ),
      ),
    )
    server.listen(port, host, () => resolve())
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
