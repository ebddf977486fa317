/**
 * Accepts Workload API connections on a Unix socket, records the kernel's peer credentials and the
 * peer's process start time at accept, and hands the connection to grpc-js. Each connection gets
 * an unforgeable token as its `remoteAddress`, which grpc-js reports as `call.getPeer()`: the
 * handlers look the credentials up by it, so nothing the caller sends can choose them.
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { dirname } from 'node:path'
import { peerCredentialsOfFd, socketFd, type PeerCredentials } from './peer-credentials.js'

/** One accepted connection. */
export interface PeerConnection {
  /** Token reported by grpc-js as the call's peer. */
  readonly token: string
  readonly credentials: PeerCredentials
  /** `/proc/<pid>/stat` start time at accept; a different value later means the pid was reused. */
  readonly startTime: string
  /** Streams the client has cancelled on this connection so far. */
  cancelledStreams: number
}

export interface PeerListenerOptions {
  readonly socketPath: string
  /** Receives every accepted connection after its credentials are recorded. */
  readonly onConnection: (socket: Socket) => void
  /** Start time of `pid`, `undefined` if it no longer exists. */
  readonly processStartTime: (pid: number) => string | undefined
  /** Reads SO_PEERCRED (default: the native addon). */
  readonly peerCredentials?: (fd: number) => PeerCredentials
  readonly onRejected?: (reason: string, err?: unknown) => void
}

/** Listening socket plus the table of live connections. */
export interface PeerListener {
  /** The connection behind a grpc-js peer string, if it is still open. */
  connection(peer: string): PeerConnection | undefined
  /** Number of open connections. */
  readonly size: number
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>
}

const TOKEN_PREFIX = 'sigil-peer-'

/**
 * Listens on `socketPath` (creating its directory, replacing a stale socket) with mode 0777 so
 * that any local user can connect; who the caller is comes from the kernel, not file permissions.
 */
export async function listenForPeers(options: PeerListenerOptions): Promise<PeerListener> {
  const readCredentials = options.peerCredentials ?? peerCredentialsOfFd
  const connections = new Map<string, PeerConnection>()
  const sockets = new Set<Socket>()
  let next = 0
  prepareSocketPath(options.socketPath)
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    const fd = socketFd(socket)
    let credentials: PeerCredentials
    try {
      if (fd === undefined) throw new Error('accepted socket has no file descriptor')
      credentials = readCredentials(fd)
    } catch (err) {
      options.onRejected?.('peer credentials unavailable', err)
      socket.destroy()
      return
    }
    const startTime = options.processStartTime(credentials.pid)
    if (startTime === undefined) {
      options.onRejected?.('peer process is gone')
      socket.destroy()
      return
    }
    const token = `${TOKEN_PREFIX}${++next}`
    Object.defineProperty(socket, 'remoteAddress', { value: token, configurable: true })
    connections.set(token, { token, credentials, startTime, cancelledStreams: 0 })
    socket.once('close', () => connections.delete(token))
    options.onConnection(socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.socketPath, () => {
      server.off('error', reject)
      resolve()
    })
  })
  chmodSync(options.socketPath, 0o777)
  return {
    connection: (peer) => connections.get(peer),
    get size() {
      return connections.size
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

function prepareSocketPath(socketPath: string): void {
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o755 })
  try {
    if (lstatSync(socketPath).isSocket()) unlinkSync(socketPath)
  } catch {
    // nothing there
  }
}
