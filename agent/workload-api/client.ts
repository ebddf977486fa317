/**
 * A Workload API client (what `sigil workload fetch` and the tests use): every call carries the
 * `workload.spiffe.io: true` header, as go-spiffe does.
 */
import {
  credentials,
  Metadata,
  type Client,
  type ClientReadableStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js'
import { fromStruct, type BundleMap } from './responses.js'
import { SECURITY_HEADER, WORKLOAD_SERVICE_NAME, workloadGrpcObject } from './proto.js'

/** A decoded `X509SVIDResponse`. */
export interface X509SvidMessage {
  svids: { spiffe_id: string; x509_svid: Buffer; x509_svid_key: Buffer; bundle: Buffer; hint: string }[]
  crl: Buffer[]
  federated_bundles: BundleMap
}

/** A decoded `JWTSVIDResponse`. */
export interface JwtSvidMessage {
  svids: { spiffe_id: string; svid: string; hint: string }[]
}

export interface WorkloadApiClientOptions {
  /** Send the security header (default true; false only to test the server's refusal). */
  readonly securityHeader?: boolean
  /** Per-call deadline for unary calls and first stream messages (default 10 s). */
  readonly timeoutMs?: number
}

type Stream = ClientReadableStream<unknown>
type RawClient = Client & Record<string, (...args: unknown[]) => unknown>

/** See the module comment. */
export class WorkloadApiClient {
  private readonly client: RawClient
  private readonly timeoutMs: number
  private readonly header: boolean

  /**
   * `target` is a grpc-js target such as `unix:/run/agent.sock` (see `parseEndpointAddress`). Each
   * client has its own connection.
   */
  constructor(target: string, options: WorkloadApiClientOptions = {}) {
    const Ctor = workloadGrpcObject()[WORKLOAD_SERVICE_NAME] as ServiceClientConstructor
    // its own connection: grpc-js otherwise shares one among clients with the same target and options
    this.client = new Ctor(target, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    }) as unknown as RawClient
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.header = options.securityHeader ?? true
  }

  /** The first `FetchX509SVID` message; the stream is then cancelled. */
  fetchX509Svid(): Promise<X509SvidMessage> {
    return this.first('FetchX509SVID') as Promise<X509SvidMessage>
  }

  /** The first `FetchX509Bundles` message. */
  fetchX509Bundles(): Promise<{ bundles: BundleMap; crl: Buffer[] }> {
    return this.first('FetchX509Bundles') as Promise<{ bundles: BundleMap; crl: Buffer[] }>
  }

  /** The first `FetchJWTBundles` message. */
  fetchJwtBundles(): Promise<{ bundles: BundleMap }> {
    return this.first('FetchJWTBundles') as Promise<{ bundles: BundleMap }>
  }

  /** Opens a stream; `onMessage` gets every message, `onEnd` the final status (or error). */
  watch(
    method: 'FetchX509SVID' | 'FetchX509Bundles' | 'FetchJWTBundles' | 'FetchWITSVID' | 'FetchWITBundles',
    onMessage: (message: unknown) => void,
    onEnd: (err: ServiceError | undefined) => void,
  ): () => void {
    const stream = this.client[method]!({}, this.metadata()) as Stream
    let done = false
    stream.on('data', onMessage)
    stream.on('error', (err: ServiceError) => {
      if (!done) onEnd(err)
      done = true
    })
    stream.on('end', () => {
      if (!done) onEnd(undefined)
      done = true
    })
    return () => {
      done = true
      stream.cancel()
    }
  }

  /** `FetchJWTSVID`. */
  fetchJwtSvid(audience: readonly string[], spiffeId = ''): Promise<JwtSvidMessage> {
    return this.unary('FetchJWTSVID', { audience, spiffe_id: spiffeId }) as Promise<JwtSvidMessage>
  }

  /** `ValidateJWTSVID`, with the claims Struct turned back into JSON. */
  async validateJwtSvid(
    audience: string,
    svid: string,
  ): Promise<{ spiffeId: string; claims: Record<string, unknown> }> {
    const reply = (await this.unary('ValidateJWTSVID', { audience, svid })) as {
      spiffe_id: string
      claims: { fields?: Record<string, unknown> } | null
    }
    return { spiffeId: reply.spiffe_id, claims: fromStruct(reply.claims) }
  }

  close(): void {
    this.client.close()
  }

  private metadata(): Metadata {
    const metadata = new Metadata()
    if (this.header) metadata.set(SECURITY_HEADER, 'true')
    return metadata
  }

  private unary(method: string, request: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.client[method]!(
        request,
        this.metadata(),
        { deadline: Date.now() + this.timeoutMs },
        (err: ServiceError | null, reply: unknown) => (err ? reject(err) : resolve(reply)),
      )
    })
  }

  private first(method: 'FetchX509SVID' | 'FetchX509Bundles' | 'FetchJWTBundles'): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop()
        reject(Object.assign(new Error('no message before the deadline'), { code: 4 }))
      }, this.timeoutMs)
      const stop = this.watch(
        method,
        (message) => {
          clearTimeout(timer)
          stop()
          resolve(message)
        },
        (err) => {
          clearTimeout(timer)
          reject(err ?? Object.assign(new Error('stream ended without a message'), { code: 2 }))
        },
      )
    })
  }
}
