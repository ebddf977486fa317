/** Sigil's agent API proto (proto/agent.proto, package sigil.agent.v1), loaded once with proto-loader. */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadPackageDefinition, type GrpcObject, type ServiceDefinition } from '@grpc/grpc-js'
import { loadSync, type PackageDefinition } from '@grpc/proto-loader'

/** Fully qualified service name. */
export const AGENT_SERVICE_NAME = 'sigil.agent.v1.AgentApi'

let cached: PackageDefinition | undefined

function protoPath(): string {
  // works from the sources (engine/api) and from dist/engine/api
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'proto', 'agent.proto')
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error('proto/agent.proto not found')
    dir = parent
  }
}

/**
 * The package definition: snake_case field names, bytes as Buffer, int64 as JS numbers (all int64
 * fields are millisecond instants, revisions or sequences, far below 2^53), defaults filled, oneofs named.
 */
export function agentPackageDefinition(): PackageDefinition {
  cached ??= loadSync(protoPath(), {
    keepCase: true,
    longs: Number,
    enums: String,
    bytes: Buffer,
    defaults: true,
    oneofs: true,
  })
  return cached
}

/** The service definition for `Server.addService`. */
export function agentServiceDefinition(): ServiceDefinition {
  return agentPackageDefinition()[AGENT_SERVICE_NAME] as ServiceDefinition
}

/** The loaded gRPC object (clients: `new (obj.sigil.agent.v1.AgentApi)(address, credentials)`). */
export function agentGrpcObject(): GrpcObject {
  return loadPackageDefinition(agentPackageDefinition())
}
