/**
 * The agent API endpoint: grpc-js over the TLS listener, with the server X509-SVID
 * (`spiffe://<td>/spire/server`, server-svid.ts) renewed at half life.
 */
import { Server } from '@grpc/grpc-js'
import { agentPeerVerifier, type VerifiedPeer } from './agent-auth.js'
import { agentApiHandlers, type AgentHandlerDeps } from './agent-handlers.js'
import { agentServiceDefinition } from './agent-proto.js'
import { ServerSvid } from './server-svid.js'
import { startTlsListener, type TlsListener } from './tls-listener.js'

export interface AgentApiOptions extends Omit<AgentHandlerDeps, 'peer'> {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** Lifetime of the server's own SVID; default 1 h (renewed at half life). */
  readonly serverSvidTtlMs?: number
}

/** A running agent API. */
export interface AgentApi {
  readonly host: string
  readonly port: number
  /** Re-reads the bundle into the TLS context and pushes it to streaming agents (after a CA rotation). */
  bundleChanged(): void
  /** Open TLS connections. */
  readonly connections: number
  /** Runs the server SVID renewal until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>
  /** Stops accepting, ends sync streams with OK, closes connections. */
  close(): Promise<void>
}

/**
 * Starts the agent API on `host:port`.
 * @example const api = await startAgentApi({ host: '127.0.0.1', port: 8081, ca, nodes, sync, … })
 */
export async function startAgentApi(options: AgentApiOptions): Promise<AgentApi> {
  const { ca, clock, logger } = options
  const svid = new ServerSvid(ca, clock, options.trustDomain, options.serverSvidTtlMs)
  const identity = () => svid.mint()

  // handlers are built before the listener exists; they reach it through this slot
  const slot: { listener?: TlsListener<VerifiedPeer> } = {}
  const grpc = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 })
  grpc.addService(
    agentServiceDefinition(),
    agentApiHandlers({ ...options, peer: (callPeer) => slot.listener?.peer(callPeer) }),
  )
  const tls = await startTlsListener({
    host: options.host,
    port: options.port,
    grpc,
    identity: identity(),
    verifyPeer: agentPeerVerifier(ca, clock),
    onConnectionError: (err) => logger.debug({ err: err.message }, 'agent api connection error'),
  })
  slot.listener = tls
  let bundleSequence = ca.bundle().sequence

  return {
    host: tls.host,
    port: tls.port,
    get connections() {
      return tls.connections
    },
    bundleChanged() {
      const sequence = ca.bundle().sequence
      if (sequence === bundleSequence) return
      bundleSequence = sequence
      tls.updateIdentity(identity())
      void options.sync.refresh()
    },
    async run(signal) {
      while (!signal.aborted) {
        try {
          await clock.sleep(Math.max(1000, svid.renewAtMs - clock.now()), signal)
        } catch {
          return
        }
        try {
          tls.updateIdentity(identity())
          logger.debug({ spiffeId: svid.spiffeId, expiresAtMs: svid.notAfterMs }, 'server svid renewed')
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'server svid renewal failed')
        }
      }
    },
    async close() {
      options.sync.endAll()
      await tls.close()
      await new Promise<void>((resolve) => grpc.tryShutdown(() => resolve()))
    },
  }
}
