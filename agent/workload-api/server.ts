/**
 * The Workload API endpoint: a grpc-js server fed with connections accepted on a Unix socket whose
 * peer credentials were read from the kernel first.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js'
import type { WorkloadAttestor } from '../workload-attestors/attestor.js'
import { workloadApiHandlers, type WorkloadApiLogger } from './handlers.js'
import type { IdentitySource } from './identity-source.js'
import { readProcessStartTime, type PeerCredentials } from './peer-credentials.js'
import { listenForPeers, type PeerConnection } from './peer-listener.js'
import { workloadServiceDefinition } from './proto.js'

export interface WorkloadApiOptions {
  /** Absolute path of the Unix socket (its directory is created; the socket is mode 0777). */
  readonly socketPath: string
  readonly source: IdentitySource
  /** Run on every call; their selectors are unioned. */
  readonly attestors: readonly WorkloadAttestor[]
  readonly logger?: WorkloadApiLogger
  /** Process start time lookup for the pid-reuse guard (default: `/proc/<pid>/stat`). */
  readonly processStartTime?: (pid: number) => string | undefined
  /** SO_PEERCRED reader (default: native/peercred). */
  readonly peerCredentials?: (fd: number) => PeerCredentials
}

/** A running Workload API endpoint. */
export interface WorkloadApiServer {
  readonly socketPath: string
  /** Open connections. */
  readonly connections: number
  /** Stops accepting, ends every open stream and closes connections. */
  close(): Promise<void>
}

const silent: WorkloadApiLogger = { warn: () => {}, debug: () => {} }

/**
 * Starts serving the SPIFFE Workload API on `options.socketPath`.
 * @example
 * const api = await startWorkloadApi({ socketPath: '/run/sigil/public/api.sock', source: cache,
 *   attestors: [createUnixAttestor(systemUnixHooks)] })
 */
export async function startWorkloadApi(options: WorkloadApiOptions): Promise<WorkloadApiServer> {
  const processStartTime = options.processStartTime ?? ((pid: number) => readProcessStartTime(pid))
  const logger = options.logger ?? silent
  const server = new Server()
  let connection: (peer: string) => PeerConnection | undefined = () => undefined
  server.addService(
    workloadServiceDefinition(),
    workloadApiHandlers({
      source: options.source,
      attestors: options.attestors,
      processStartTime,
      logger,
      connection: (peer) => connection(peer),
    }),
  )
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure())
  const listener = await listenForPeers({
    socketPath: options.socketPath,
    processStartTime,
    ...(options.peerCredentials ? { peerCredentials: options.peerCredentials } : {}),
    onConnection: (socket) => injector.injectConnection(socket),
    onRejected: (reason) => logger.warn({ reason }, 'workload api connection rejected'),
  })
  connection = (peer) => listener.connection(peer)
  return {
    socketPath: options.socketPath,
    get connections() {
      return listener.size
    },
    close: async () => {
      server.forceShutdown()
      injector.destroy()
      await listener.close()
    },
  }
}
