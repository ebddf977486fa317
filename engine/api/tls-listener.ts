/**
 * The agent API's TLS endpoint: a node:tls server that asks for (but does not require) a client
 * certificate, verifies a presented chain itself on the injected clock, and hands the decrypted
 * connection to grpc-js through a connection injector. Handlers look the verified peer up by the
 * call's `getPeer()` (remote address and port of that very connection).
 */
import { createServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls'
import { ServerCredentials, type Server as GrpcServer } from '@grpc/grpc-js'
import { EngineError } from '../core/errors.js'

/** The server's certificate, key and the CAs it names to clients (PEM). */
export interface TlsIdentity {
  readonly certChainPem: string
  readonly privateKeyPem: string
  readonly caPem: string
}

/** Verifies a client chain (DER, leaf first); the result is cached for the connection. */
export type PeerVerifier<P> = (chainDer: readonly Buffer[]) => Promise<P>

/** A running listener. */
export interface TlsListener<P> {
  readonly host: string
  readonly port: number
  /** The verified client identity of the connection behind `callPeer`; undefined without a certificate. */
  peer(callPeer: string): Promise<P> | undefined
  /** Replaces the server certificate and CA list for new handshakes. */
  updateIdentity(identity: TlsIdentity): void
  /** Connections currently open. */
  readonly connections: number
  /** Stops accepting and destroys open connections. */
  close(): Promise<void>
}

function contextOptions(identity: TlsIdentity): SecureContextOptions {
  return { cert: identity.certChainPem, key: identity.privateKeyPem, ca: identity.caPem }
}

/** The peer's chain as sent: leaf first, then issuers up to (excluding repeats of) a self-issued one. */
export function peerChain(socket: TLSSocket): Buffer[] {
  const chain: Buffer[] = []
  let cert = socket.getPeerCertificate(true)
  while (cert && cert.raw && chain.length < 10) {
    if (chain.some((c) => c.equals(cert.raw))) break
    chain.push(cert.raw)
    cert = cert.issuerCertificate
  }
  return chain
}

/**
 * Listens on `host:port` (port 0 = any) and feeds `grpc` with TLS connections.
 * Throws ERR_API_UNAVAILABLE with a clear message when the address is in use or not available.
 */
export async function startTlsListener<P>(options: {
  readonly host: string
  readonly port: number
  readonly grpc: GrpcServer
  readonly identity: TlsIdentity
  readonly verifyPeer: PeerVerifier<P>
  readonly onConnectionError?: (err: Error) => void
}): Promise<TlsListener<P>> {
  const injector = options.grpc.createConnectionInjector(ServerCredentials.createInsecure())
  const peers = new Map<string, Promise<P>>()
  const sockets = new Set<TLSSocket>()
  const server: TlsServer = createServer({
    ...contextOptions(options.identity),
    ALPNProtocols: ['h2'],
    requestCert: true,
    // attestation runs before the agent has a certificate; every other RPC checks the peer itself
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    const key = `${socket.remoteAddress}:${socket.remotePort}`
    sockets.add(socket)
    const chain = peerChain(socket)
    if (chain.length > 0) {
      const verified = options.verifyPeer(chain)
      verified.catch(() => {}) // observed by the handlers that await it
      peers.set(key, verified)
    }
    socket.on('error', (err) => options.onConnectionError?.(err))
    socket.on('close', () => {
      peers.delete(key)
      sockets.delete(socket)
    })
    injector.injectConnection(socket)
  })
  server.on('tlsClientError', (err) => options.onConnectionError?.(err))
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`
      const reason = err.code === 'EADDRINUSE' ? 'address already in use' : (err.code ?? err.message)
      reject(
        new EngineError('ERR_API_UNAVAILABLE', `cannot listen on ${where}: ${reason}`, {
          cause: err,
          data: { address: where, reason: err.code ?? 'listen' },
        }),
      )
    }
    server.once('error', onError)
    server.listen(options.port, options.host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  return {
    host: options.host,
    port,
    peer: (callPeer) => peers.get(callPeer),
    updateIdentity: (identity) => server.setSecureContext(contextOptions(identity)),
    get connections() {
      return sockets.size
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      injector.destroy()
      await closed
    },
  }
}
