/**
 * The SpiffeWorkloadAPI service (spiffe-reference §5): header check, caller attestation, entry
 * matching through the IdentitySource, full-state streams that update on every relevant change.
 */
import {
  status,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js'
import { EngineError, isEngineError } from '../../engine/core/errors.js'
import { parseSpiffeId } from '../../engine/core/spiffe-id.js'
import { attestCaller, type AttestCallerDeps } from './caller.js'
import type { IdentitySource, TrustBundle, WorkloadIdentity } from './identity-source.js'
import type { PeerConnection } from './peer-listener.js'
import { SECURITY_HEADER, workloadServiceDefinition } from './proto.js'
import {
  federatedTrustDomains,
  jwtBundleMap,
  toStruct,
  withUniqueHints,
  x509BundleMap,
  x509SvidResponse,
} from './responses.js'

/** Minimal structured logger (pino-compatible). Never given keys or tokens. */
export interface WorkloadApiLogger {
  warn(fields: Record<string, unknown>, message: string): void
  debug(fields: Record<string, unknown>, message: string): void
}

export interface WorkloadHandlerDeps extends AttestCallerDeps {
  readonly source: IdentitySource
  /** The connection behind a grpc-js peer string. */
  readonly connection: (peer: string) => PeerConnection | undefined
  readonly logger: WorkloadApiLogger
  /**
   * Called when a stream starts; the function it returns is called if the client cancels it
   * (per-connection accounting).
   */
  readonly trackStream?: (call: ServerWritableStream<unknown, unknown>) => () => void
  /** Counts calls by final status and failed caller attestations; absent: nothing is counted. */
  readonly metrics?: WorkloadApiMetrics
}

/** What the handlers report to the agent's metrics. */
export interface WorkloadApiMetrics {
  /** A call or stream ended with the gRPC status named `code` (`OK`, `PERMISSION_DENIED`, …). */
  workloadApiRequest(method: string, code: string): void
  workloadAttestationFailed(): void
}

interface GrpcStatus {
  code: status
  details: string
}

/** The fixed Workload API error table (spiffe-reference §5.5). */
function toStatus(err: unknown): GrpcStatus {
  if (isEngineError(err)) {
    switch (err.code) {
      case 'ERR_WORKLOAD_INVALID_ARGUMENT':
        return { code: status.INVALID_ARGUMENT, details: err.message }
      case 'ERR_WORKLOAD_NO_IDENTITY':
        return { code: status.PERMISSION_DENIED, details: 'no identity issued' }
      case 'ERR_WORKLOAD_ATTESTATION_FAILED':
      case 'ERR_WORKLOAD_PEER_CREDENTIALS':
        return { code: status.UNAVAILABLE, details: 'workload attestation failed' }
      default:
        return { code: status.UNAVAILABLE, details: err.message }
    }
  }
  return { code: status.UNAVAILABLE, details: 'workload api unavailable' }
}

const invalid = (message: string) => new EngineError('ERR_WORKLOAD_INVALID_ARGUMENT', message)
const noIdentity = () => new EngineError('ERR_WORKLOAD_NO_IDENTITY', 'no identity issued')

function hasSecurityHeader(metadata: Metadata): boolean {
  const values = metadata.get(SECURITY_HEADER)
  return values.length === 1 && values[0] === 'true'
}

/** Builds the service implementation for `Server.addService(workloadServiceDefinition(), …)`. */
export function workloadApiHandlers(deps: WorkloadHandlerDeps): UntypedServiceImplementation {
  const definition = workloadServiceDefinition()
  const count = (method: string, code: status) => deps.metrics?.workloadApiRequest(method, status[code])
  const serialize = (method: string) => definition[method]!.responseSerialize as (value: unknown) => Buffer

  const callerSelectors = async (call: { getPeer(): string }): Promise<ReadonlySet<string>> => {
    const connection = deps.connection(call.getPeer())
    try {
      return await attestCaller(connection, deps)
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined
      deps.logger.warn(
        {
          pid: connection?.credentials.pid,
          uid: connection?.credentials.uid,
          code: (err as EngineError).code,
          cause,
        },
        'workload attestation failed',
      )
      deps.metrics?.workloadAttestationFailed()
      throw err
    }
  }

  const localBundle = (): TrustBundle => {
    const bundle = deps.source.localBundle()
    if (!bundle) throw new EngineError('ERR_WORKLOAD_NOT_READY', 'trust bundle not available yet')
    return bundle
  }

  const bundlesFor = (identities: readonly WorkloadIdentity[]): TrustBundle[] => {
    if (identities.length === 0) throw noIdentity()
    const local = localBundle()
    return [local, ...deps.source.federatedBundles(federatedTrustDomains(identities, local.trustDomain))]
  }

  const stream = (method: string, compute: (selectors: ReadonlySet<string>) => unknown) =>
    serveStream(deps, callerSelectors, serialize(method), compute, (code) => count(method, code))

  return {
    FetchX509SVID: stream('FetchX509SVID', (selectors) => {
      const identities = withUniqueHints(deps.source.identitiesFor(selectors))
      const [local, ...federated] = bundlesFor(identities)
      return x509SvidResponse(identities, local!, federated)
    }),
    FetchX509Bundles: stream('FetchX509Bundles', (selectors) => ({
      crl: [],
      bundles: x509BundleMap(bundlesFor(deps.source.identitiesFor(selectors))),
    })),
    FetchJWTBundles: stream('FetchJWTBundles', (selectors) => ({
      bundles: jwtBundleMap(bundlesFor(deps.source.identitiesFor(selectors))),
    })),
    FetchJWTSVID: unary(
      (code) => count('FetchJWTSVID', code),
      async (call: ServerUnaryCall<{ audience: string[]; spiffe_id: string }, unknown>) => {
        const { audience, spiffe_id: spiffeId } = call.request
        if (audience.length === 0) throw invalid('audience must be specified')
        if (spiffeId !== '' && !parseSpiffeId(spiffeId).ok) throw invalid('invalid requested spiffe id')
        const selectors = await callerSelectors(call)
        const identities = withUniqueHints(deps.source.identitiesFor(selectors)).filter(
          (identity) => spiffeId === '' || identity.spiffeId === spiffeId,
        )
        if (identities.length === 0) throw noIdentity()
        const svids = await Promise.all(
          identities.map(async (identity) => ({
            spiffe_id: identity.spiffeId,
            svid: (await deps.source.fetchJwtSvid(identity, audience)).token,
            hint: identity.hint,
          })),
        )
        return { svids }
      },
    ),
    ValidateJWTSVID: unary(
      (code) => count('ValidateJWTSVID', code),
      async (call: ServerUnaryCall<{ audience: string; svid: string }, unknown>) => {
        const { audience, svid } = call.request
        if (audience === '') throw invalid('audience must be specified')
        if (svid === '') throw invalid('svid must be specified')
        await callerSelectors(call)
        let validated
        try {
          validated = await deps.source.validateJwtSvid(svid, audience)
        } catch (err) {
          throw new EngineError('ERR_WORKLOAD_INVALID_ARGUMENT', 'jwt-svid validation failed', { cause: err })
        }
        return { spiffe_id: validated.spiffeId, claims: toStruct(visibleClaims(validated, deps.source)) }
      },
    ),
    FetchWITSVID: (call: ServerWritableStream<unknown, unknown>) =>
      count('FetchWITSVID', unimplemented(call)),
    FetchWITBundles: (call: ServerWritableStream<unknown, unknown>) =>
      count('FetchWITBundles', unimplemented(call)),
  }
}

/** Foreign tokens keep only `sub`, `aud` and `exp` (SPIRE's default); `aud` is always an array. */
function visibleClaims(
  validated: { spiffeId: string; claims: Readonly<Record<string, unknown>> },
  source: IdentitySource,
): Record<string, unknown> {
  const id = parseSpiffeId(validated.spiffeId)
  const local = source.localBundle()?.trustDomain
  const claims: Record<string, unknown> = { ...validated.claims }
  if (typeof claims['aud'] === 'string') claims['aud'] = [claims['aud']]
  if (id.ok && id.value.trustDomain === local) return claims
  const kept: Record<string, unknown> = {}
  for (const name of ['sub', 'aud', 'exp']) if (claims[name] !== undefined) kept[name] = claims[name]
  return kept
}

/** Ends the stream; returns the status sent. */
function unimplemented(call: ServerWritableStream<unknown, unknown>): status {
  if (!hasSecurityHeader(call.metadata)) {
    call.emit('error', { code: status.INVALID_ARGUMENT, details: 'security header missing from request' })
    return status.INVALID_ARGUMENT
  }
  call.emit('error', { code: status.UNIMPLEMENTED, details: 'the WIT-SVID profile is not implemented' })
  return status.UNIMPLEMENTED
}

function unary<Req, Res>(
  ended: (code: status) => void,
  body: (call: ServerUnaryCall<Req, Res>) => Promise<Res>,
) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    if (!hasSecurityHeader(call.metadata)) {
      ended(status.INVALID_ARGUMENT)
      callback({ code: status.INVALID_ARGUMENT, details: 'security header missing from request' })
      return
    }
    body(call).then(
      (response) => {
        ended(status.OK)
        callback(null, response)
      },
      (err: unknown) => {
        const mapped = toStatus(err)
        ended(mapped.code)
        callback(mapped)
      },
    )
  }
}

/**
 * Serves one full-state stream: the first message as soon as the caller is attested, then a new one
 * whenever the source reports a change that alters the serialized message. Ends with the mapped
 * status when `compute` throws (PERMISSION_DENIED once the caller's last identity is gone). When the
 * client reads slowly, intermediate states are skipped and only the latest is sent.
 */
function serveStream(
  deps: WorkloadHandlerDeps,
  callerSelectors: (call: { getPeer(): string }) => Promise<ReadonlySet<string>>,
  serialize: (value: unknown) => Buffer,
  compute: (selectors: ReadonlySet<string>) => unknown,
  endedWith: (code: status) => void,
) {
  return (call: ServerWritableStream<unknown, unknown>): void => {
    if (!hasSecurityHeader(call.metadata)) {
      endedWith(status.INVALID_ARGUMENT)
      call.emit('error', { code: status.INVALID_ARGUMENT, details: 'security header missing from request' })
      return
    }
    let ended = false
    let unsubscribe = () => {}
    const finish = (err?: unknown) => {
      if (ended) return
      ended = true
      unsubscribe()
      if (err !== undefined && !call.cancelled) {
        const mapped = toStatus(err)
        endedWith(mapped.code)
        call.emit('error', mapped)
        // full-state streams never end OK: without an error the client went away
      } else endedWith(status.CANCELLED)
    }
    const onCancelled = deps.trackStream?.(call)
    call.once('cancelled', () => {
      onCancelled?.()
      finish()
    })
    call.once('close', () => finish())
    callerSelectors(call).then(
      (selectors) => {
        if (ended || call.cancelled) return
        let last: Buffer | undefined
        let blocked = false
        let dirty = false
        const push = () => {
          if (ended) return
          if (blocked) {
            dirty = true
            return
          }
          let message: unknown
          try {
            message = compute(selectors)
          } catch (err) {
            finish(err)
            return
          }
          const bytes = serialize(message)
          if (last !== undefined && last.equals(bytes)) return
          last = bytes
          if (!call.write(message)) {
            blocked = true
            call.once('drain', () => {
              blocked = false
              if (dirty) {
                dirty = false
                push()
              }
            })
          }
        }
        unsubscribe = deps.source.subscribe(selectors, push)
        push()
      },
      (err: unknown) => finish(err),
    )
  }
}
