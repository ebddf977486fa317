/**
 * A grpc-js client of the agent API (proto/agent.proto) over TLS. The server must present an
 * X509-SVID for `spiffe://<td>/spire/server` chaining to the given roots; with the agent SVID it
 * authenticates as the agent (mTLS). `roots: undefined` is the insecure bootstrap: the chain is not
 * verified here and the caller must check it afterwards (`probeServerChain` + verifyX509Svid).
 */
import { connect } from 'node:tls'
import {
  credentials,
  Metadata,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js'
import { agentGrpcObject } from '../../engine/api/agent-proto.js'
import { readCertificate, readSubjectAltName } from '../../engine/ca/certificate-der.js'
import { x509SvidProblem } from '../../engine/ca/check.js'
import { serverSpiffeId } from '../../engine/core/spiffe-id.js'
import type { MintX509Request, MintX509Result, X509SvidMinter } from '../svid/rotator.js'
import type { WireBundle, WireSyncMessage, WireX509Svid } from '../sync/wire.js'

/** The agent's own TLS client identity (PEM). */
export interface AgentTlsIdentity {
  readonly keyPem: string
  readonly chainPem: string
}

export interface AgentApiClientOptions {
  /** `host:port` of the server. */
  readonly address: string
  readonly trustDomain: string
  /** PEM roots the server's chain must reach; undefined = insecure bootstrap (unverified). */
  readonly rootsPem: string | undefined
  readonly identity?: AgentTlsIdentity
  /** Deadline of unary calls; default 15 s. */
  readonly timeoutMs?: number
}

type Callback = (err: ServiceError | null, res: unknown) => void
type RawClient = Client &
  Record<string, (req: unknown, md: Metadata, opts: object, cb: Callback) => void> & {
    SyncAuthorizedEntries(req: unknown, md: Metadata): ClientReadableStream<WireSyncMessage>
  }

/** The Sigil error code a server attached to a failed call (`sigil-error-code` metadata). */
export function serverErrorCode(err: unknown): string | undefined {
  const md = (err as { metadata?: Metadata }).metadata
  const value = md instanceof Metadata ? md.get('sigil-error-code')[0] : undefined
  return typeof value === 'string' ? value : undefined
}

/** Undefined when `der` is an X509-SVID leaf for exactly `expectedId`, else the problem. */
export function serverCertificateProblem(der: Buffer, expectedId: string): string | undefined {
  try {
    const leaf = readCertificate(der)
    const problem = x509SvidProblem(leaf)
    if (problem) return problem
    const uris = readSubjectAltName(leaf)?.uris ?? []
    return uris.length === 1 && uris[0] === expectedId ? undefined : 'not-the-server-id'
  } catch {
    return 'not-a-certificate'
  }
}

/** See the module comment. */
export class AgentApiClient implements X509SvidMinter {
  private readonly client: RawClient
  private readonly timeoutMs: number

  constructor(readonly options: AgentApiClientOptions) {
    const Ctor = (
      agentGrpcObject() as unknown as {
        sigil: { agent: { v1: { AgentApi: new (...a: unknown[]) => RawClient } } }
      }
    ).sigil.agent.v1.AgentApi
    const expected = serverSpiffeId(options.trustDomain)
    const { identity } = options
    const creds = credentials.createSsl(
      options.rootsPem !== undefined ? Buffer.from(options.rootsPem) : null,
      identity ? Buffer.from(identity.keyPem) : null,
      identity ? Buffer.from(identity.chainPem) : null,
      {
        rejectUnauthorized: options.rootsPem !== undefined,
        // called only after OpenSSL verified the chain against the roots: the SPIFFE ID is the name
        checkServerIdentity: (_host, peer) => {
          const problem = serverCertificateProblem(peer.raw, expected)
          return problem === undefined ? undefined : new Error(`server certificate rejected: ${problem}`)
        },
      },
    )
    this.client = new Ctor(options.address, creds, {
      'grpc.use_local_subchannel_pool': 1,
      // the server is named by its SPIFFE ID, not a DNS name; this only sets SNI (never an IP address)
      'grpc.ssl_target_name_override': options.trustDomain,
    })
    this.timeoutMs = options.timeoutMs ?? 15_000
  }

  /** AttestAgent with a join token or a Kubernetes PSAT and a CSR for the agent key. */
  attestAgent(req: {
    joinToken?: string
    k8sPsat?: { cluster: string; token: string }
    csrDer: Buffer
  }): Promise<{ svid: WireX509Svid; bundle: WireBundle }> {
    const params =
      req.joinToken !== undefined ? { join_token: { token: req.joinToken } } : { k8s_psat: req.k8sPsat }
    return this.unary('AttestAgent', { ...params, csr: req.csrDer })
  }

  /** RenewAgent (mTLS). */
  async renewAgent(csrDer: Buffer): Promise<WireX509Svid> {
    return (await this.unary<{ svid: WireX509Svid }>('RenewAgent', { csr: csrDer })).svid
  }

  /** MintX509Svids (mTLS), one result per request. */
  async mintX509Svids(requests: readonly MintX509Request[]): Promise<readonly MintX509Result[]> {
    const res = await this.unary<{
      results: {
        entry_id: string
        status: { code: number; message: string } | null
        svid: WireX509Svid | null
      }[]
    }>('MintX509Svids', { params: requests.map((r) => ({ entry_id: r.entryId, csr: r.csrDer })) })
    return res.results.map((r): MintX509Result => {
      const code = r.status?.code ?? 0
      if (code === 0 && r.svid && r.svid.cert_chain.length > 0)
        return { entryId: r.entry_id, ok: true, certChainDer: r.svid.cert_chain }
      return { entryId: r.entry_id, ok: false, code: code || 13, message: r.status?.message ?? 'no svid' }
    })
  }

  /** MintJwtSvid (mTLS). */
  async mintJwtSvid(
    entryId: string,
    audience: readonly string[],
  ): Promise<{ token: string; expiresAtMs: number }> {
    const res = await this.unary<{ token: string; expires_at_ms: number }>('MintJwtSvid', {
      entry_id: entryId,
      audience: [...audience],
    })
    return { token: res.token, expiresAtMs: Number(res.expires_at_ms) }
  }

  /**
   * Opens SyncAuthorizedEntries (mTLS): `onMessage` gets every full-state message, `onEnd` the
   * final status once. Returns the cancel function.
   */
  syncAuthorizedEntries(
    onMessage: (message: WireSyncMessage) => void,
    onEnd: (err: ServiceError | undefined) => void,
  ): () => void {
    const stream = this.client.SyncAuthorizedEntries({}, new Metadata())
    let done = false
    const end = (err: ServiceError | undefined) => {
      if (done) return
      done = true
      onEnd(err)
    }
    stream.on('data', (m: WireSyncMessage) => {
      if (!done) onMessage(m)
    })
    stream.on('error', (err: ServiceError) => end(err))
    stream.on('end', () => end(undefined))
    return () => {
      done = true
      stream.cancel()
    }
  }

  close(): void {
    this.client.close()
  }

  private unary<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      // a transport deadline on the wall clock, as grpc-js requires
      const deadline = new Date(Date.now() + this.timeoutMs)
      this.client[method]!(request, new Metadata(), { deadline }, (err, res) =>
        err ? reject(err) : resolve(res as T),
      )
    })
  }
}

/**
 * Connects once without verifying and returns the server's certificate chain as sent (DER, leaf
 * first): the insecure bootstrap checks it against the bundle the server then hands out.
 */
export function probeServerChain(address: string, timeoutMs = 10_000): Promise<Buffer[]> {
  const at = address.lastIndexOf(':')
  const host = address.slice(0, at).replace(/^\[|\]$/g, '')
  const port = Number(address.slice(at + 1))
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      const chain: Buffer[] = []
      let cert = socket.getPeerCertificate(true)
      while (cert?.raw && chain.length < 10 && !chain.some((c) => c.equals(cert.raw))) {
        chain.push(cert.raw)
        cert = cert.issuerCertificate
      }
      socket.destroy()
      resolve(chain)
    })
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timed out connecting to the server')))
    socket.once('error', reject)
  })
}
