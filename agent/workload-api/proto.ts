/** The SPIFFE Workload API proto (proto/workload.proto, no package), loaded once with proto-loader. */
import { loadPackageDefinition, type GrpcObject, type ServiceDefinition } from '@grpc/grpc-js'
import { loadSync, type PackageDefinition } from '@grpc/proto-loader'
import { projectFile } from './project-file.js'

/** Fully qualified gRPC service name: no package, so it sits at the root. */
export const WORKLOAD_SERVICE_NAME = 'SpiffeWorkloadAPI'

/** The metadata key and value every Workload API request must carry (spiffe-reference §5.3). */
export const SECURITY_HEADER = 'workload.spiffe.io'

let cached: PackageDefinition | undefined

/**
 * The package definition: snake_case field names, bytes as Buffer, longs as strings, defaults filled.
 * `google/protobuf/struct.proto` is resolved from protobufjs's bundled well-known types.
 */
export function workloadPackageDefinition(): PackageDefinition {
  cached ??= loadSync(projectFile('proto/workload.proto'), {
    keepCase: true,
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: true,
    oneofs: true,
  })
  return cached
}

/** The service definition for `Server.addService`. */
export function workloadServiceDefinition(): ServiceDefinition {
  return workloadPackageDefinition()[WORKLOAD_SERVICE_NAME] as ServiceDefinition
}

/** The loaded gRPC object (for building clients). */
export function workloadGrpcObject(): GrpcObject {
  return loadPackageDefinition(workloadPackageDefinition())
}
