/**
 * The Workload API endpoint: a grpc-js server fed with connections accepted on a Unix socket whose
 * peer credentials were read from the kernel first.
 */
import { EventEmitter } from 'node:events'
import type { ServerHttp2Session } from 'node:http2'
import { Server, ServerCredentials } from '@grpc/grpc-js'
import type { WorkloadAttestor } from '../workload-attestors/attestor.js'
import { workloadApiHandlers, type WorkloadApiLogger, type WorkloadApiMetrics } from './handlers.js'
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
  /** Counts calls and failed caller attestations (absent: nothing is counted). */
  readonly metrics?: WorkloadApiMetrics
  /** Process start time lookup for the pid-reuse guard (default: `/proc/<pid>/stat`). */
  readonly processStartTime?: (pid: number) => string | undefined
  /** SO_PEERCRED reader (default: native/peercred). */
  readonly peerCredentials?: (fd: number) => PeerCredentials
  /**
   * After this many client-cancelled streams on one connection, the server closes it gracefully
   * (HTTP/2 GOAWAY: open streams continue, the client reconnects for new ones), well before Node
   * 20's rapid-reset guard (~1,000) would kill it and fail its in-flight calls (default 500).
   */
  readonly maxCancelledStreamsPerConnection?: number
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
  const maxCancelled = options.maxCancelledStreamsPerConnection ?? 500
  const server = new Server()
  let connection: (peer: string) => PeerConnection | undefined = () => undefined
  server.addService(
    workloadServiceDefinition(),
    workloadApiHandlers({
      source: options.source,
      attestors: options.attestors,
      processStartTime,
      logger,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      connection: (peer) => connection(peer),
      trackStream: (call) => {
        // looked up now: once the client has reset the stream, it is detached from its session
        const session = http2SessionOf(call)
        const conn = connection(call.getPeer())
        return () => {
          if (conn === undefined || ++conn.cancelledStreams !== maxCancelled) return
          logger.debug({ pid: conn.credentials.pid }, 'closing a connection with many cancelled streams')
          session?.close()
        }
      },
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

/**
 * The HTTP/2 session carrying a grpc-js server call. grpc-js exposes no API for it: this reads its
 * internals (`call.call.stream.session`, grpc-js 1.x without interceptors) and yields `undefined`
 * if they change, which only disables the graceful close.
 */
function http2SessionOf(call: unknown): ServerHttp2Session | undefined {
  const session = (call as { call?: { stream?: { session?: unknown } } }).call?.stream?.session
  return session instanceof EventEmitter && typeof (session as ServerHttp2Session).close === 'function'
    ? (session as ServerHttp2Session)
    : undefined
}
