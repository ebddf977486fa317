/**
 * The Authorize API over gRPC (SHELL): `sigil.authz.v1.Authorization/Authorize` (proto/authz.proto)
 * on its own plaintext listener (`authz.grpcListen`), with the same caller authentication as
 * `POST /v1/authorize`: a JWT-SVID bearer in the `authorization` metadata.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  loadPackageDefinition,
  Server,
  ServerCredentials,
  status,
  type GrpcObject,
  type ServiceDefinition,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import { validateJwtSvid } from '../ca/validate-jwt-svid.js'
import { EngineError } from '../core/errors.js'
import type { AuthzHttpOptions } from './http-api.js'

export const AUTHZ_SERVICE_NAME = 'sigil.authz.v1.Authorization'
const MAX_CHECKS = 1000

interface WireCheck {
  spiffe_id: string
  scope: string
}

function protoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'proto', 'authz.proto')
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error('proto/authz.proto not found')
    dir = parent
  }
}

/** The Authorization service definition (snake_case fields, defaults filled). */
export function authzServiceDefinition(): ServiceDefinition {
  const pkg = loadPackageDefinition(
    loadSync(protoPath(), { keepCase: true, defaults: true, enums: String, longs: Number }),
  )
  const v1 = ((pkg['sigil'] as GrpcObject)['authz'] as GrpcObject)['v1'] as GrpcObject
  return (v1['Authorization'] as unknown as { service: ServiceDefinition }).service
}

type Options = Pick<AuthzHttpOptions, 'authorizer' | 'bundles' | 'clock' | 'authorizeAudience'>

/** The Authorize handler, usable on any grpc-js server. */
export function authorizeHandler(options: Options) {
  return (
    call: ServerUnaryCall<{ checks: WireCheck[] }, unknown>,
    callback: sendUnaryData<unknown>,
  ): void => {
    const auth = String(call.metadata.get('authorization')[0] ?? '')
    if (!auth.startsWith('Bearer ')) {
      callback({ code: status.UNAUTHENTICATED, details: 'bearer jwt-svid required' })
      return
    }
    validateJwtSvid(auth.slice(7).trim(), {
      audience: options.authorizeAudience,
      bundles: options.bundles,
      nowMs: options.clock.now(),
    }).then(
      () => {
        const checks = call.request.checks
        if (checks.length === 0 || checks.length > MAX_CHECKS) {
          callback({ code: status.INVALID_ARGUMENT, details: `send 1 to ${MAX_CHECKS} checks` })
          return
        }
        const bad = checks.findIndex((c) => c.spiffe_id === '' || c.scope === '')
        if (bad >= 0) {
          callback({ code: status.INVALID_ARGUMENT, details: `checks[${bad}] needs spiffe_id and scope` })
          return
        }
        callback(null, {
          results: checks.map((c) => {
            const d = options.authorizer.check(c.spiffe_id, c.scope)
            return {
              spiffe_id: c.spiffe_id,
              scope: c.scope,
              allow: d.allow,
              roles: d.roles,
              reason: d.reason,
            }
          }),
        })
      },
      (err: unknown) => {
        const reason = (err as { data?: { reason?: string } }).data?.reason ?? 'invalid'
        callback({ code: status.UNAUTHENTICATED, details: `invalid jwt-svid: ${reason}` })
      },
    )
  }
}

export interface AuthzGrpcServer {
  readonly port: number
  close(): Promise<void>
}

/** Starts the Authorization service on host:port (plaintext); ERR_API_UNAVAILABLE when taken. */
export async function startAuthzGrpc(
  listen: { host: string; port: number },
  options: Options,
): Promise<AuthzGrpcServer> {
  const server = new Server()
  server.addService(authzServiceDefinition(), { Authorize: authorizeHandler(options) })
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${listen.port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err
        ? reject(
            new EngineError(
              'ERR_API_UNAVAILABLE',
              `cannot listen on ${host}:${listen.port}: ${err.message}`,
              {
                cause: err,
                data: { host: listen.host, port: listen.port, reason: 'listen' },
              },
            ),
          )
        : resolve(bound),
    ),
  )
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown()
        resolve()
      }),
  }
}
