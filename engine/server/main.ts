/**
 * Composition root of `sigil server`: the system clock, crypto randomness and a pino logger on
 * stderr. Prints one line saying where it listens; SIGTERM or SIGINT stops accepting, ends the sync
 * streams, closes the store and resolves with exit code 0.
 */
import { isEngineError } from '../core/errors.js'
import { cryptoRandom } from '../platform/crypto-random.js'
import { createLogger } from '../platform/logger.js'
import { systemClock } from '../platform/system-clock.js'
import { alwaysLeader } from '../reconcile/reconciler.js'
import { resolveServerConfig, type ServerFlags } from './config.js'
import { startServer } from './run-server.js'

/** Exit codes of `sigil server`. */
export const SERVER_EXIT = { ok: 0, failed: 1, badConfig: 2 } as const

/** Runs the server until SIGTERM/SIGINT; returns the process exit code. */
export async function runServerMain(flags: ServerFlags): Promise<number> {
  let config
  try {
    config = resolveServerConfig(flags, process.cwd())
  } catch (err) {
    if (isEngineError(err, 'ERR_CONFIG_INVALID')) {
      process.stderr.write(`sigil server: ${err.message} (${err.code})\n`)
      return SERVER_EXIT.badConfig
    }
    throw err
  }
  const logger = createLogger({ level: config.logLevel, name: 'sigil-server' })
  let server
  try {
    server = await startServer(config, {
      clock: systemClock,
      random: cryptoRandom,
      logger,
      // a single server always reconciles; HA replaces this with its leader election
      leadership: alwaysLeader,
    })
  } catch (err) {
    if (!isEngineError(err)) throw err
    process.stderr.write(`sigil server: ${err.message} (${err.code})\n`)
    return err.code === 'ERR_CONFIG_INVALID' ? SERVER_EXIT.badConfig : SERVER_EXIT.failed
  }
  const host = server.host.includes(':') ? `[${server.host}]` : server.host
  process.stdout.write(
    `sigil server listening on ${host}:${server.port} (trust domain ${server.trustDomain}, admin socket ${server.adminSocket})\n`,
  )
  if (server.httpPort !== undefined && config.httpListen) {
    const httpHost = config.httpListen.host.includes(':')
      ? `[${config.httpListen.host}]`
      : config.httpListen.host
    process.stdout.write(
      `sigil server http endpoint on ${httpHost}:${server.httpPort} (/healthz /readyz /metrics /hooks/git /oauth2/token /oauth2/jwks /v1/authorize)\n`,
    )
  }
  const endpoint = server.federation.endpoint
  if (endpoint) {
    const epHost = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host
    process.stdout.write(
      `sigil server bundle endpoint on https://${epHost}:${endpoint.port}/ (${endpoint.profile})\n`,
    )
  }
  if (server.authz.grpc && config.authz?.grpcListen)
    process.stdout.write(
      `sigil server authz grpc on ${config.authz.grpcListen.host}:${server.authz.grpc.port}\n`,
    )
  logger.info({ host: server.host, port: server.port, trustDomain: server.trustDomain }, 'server started')
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      logger.info({ signal }, 'server stopping')
      resolve()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  await server.close()
  logger.info({}, 'server stopped')
  return SERVER_EXIT.ok
}
