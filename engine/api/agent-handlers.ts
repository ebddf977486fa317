/**
 * The AgentApi handlers (proto/agent.proto): attestation without a client certificate, everything
 * else over mTLS as an attested, unbanned agent, and SVIDs only for entries authorized to it.
 */
import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js'
import type { CertificateAuthority } from '../ca/certificate-authority.js'
import { verifyCsr } from '../ca/csr.js'
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import type { AttestedNode, AttestationType, NodeStore } from '../store/node-store.js'
import { authenticateAgent, type VerifiedPeer } from './agent-auth.js'
import type { EntrySync } from './entry-sync.js'
import { redeemJoinToken } from './join-tokens.js'
import type { K8sPsatAttestor } from './k8s-psat.js'
import type { RateLimiter } from './rate-limit.js'
import { toItemStatus, toServiceError } from './status.js'
import { wireBundle, wireX509Svid } from './wire.js'

/** The log methods the API uses (pino's Logger fits). IDs go in fields; tokens and keys never. */
export interface ApiLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

/** Counters the handlers report to (engine/reconcile/metrics.ts implements them). */
export interface AgentApiMetrics {
  /** An SVID left the CA: `agent` (attestation or renewal), `x509` or `jwt` workload SVIDs. */
  svidMinted(type: 'agent' | 'x509' | 'jwt', count?: number): void
  /** A node attestation failed; `method` is the attestor, `code` the error code. */
  attestationFailed(method: string, code: string): void
  /** An attested agent asked for an SVID of an entry not authorized to it. */
  authorizationDenied(agentId: string): void
}

export interface AgentHandlerDeps {
  readonly clock: Clock
  readonly logger: ApiLogger
  readonly nodes: NodeStore
  readonly ca: CertificateAuthority
  readonly sync: EntrySync
  readonly trustDomain: string
  /** The verified client certificate of the call's connection (tls-listener). */
  readonly peer: (callPeer: string) => Promise<VerifiedPeer> | undefined
  readonly joinTokens: boolean
  readonly k8sPsat?: K8sPsatAttestor
  readonly ttl: { readonly agentSvidMs: number; readonly x509SvidMs: number; readonly jwtSvidMs: number }
  /** Keyed by peer IP. */
  readonly attestationLimit: RateLimiter
  /** Keyed by agent ID; a batch costs one token per SVID. */
  readonly signingLimit: RateLimiter
  /** Most SVIDs in one MintX509Svids call; default 500. */
  readonly maxBatch?: number
  readonly metrics?: AgentApiMetrics
}

type Handler<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void

function invalid(message: string, reason: string): EngineError {
  return new EngineError('ERR_API_INVALID_ARGUMENT', message, { data: { reason } })
}

function denied(): EngineError {
  return new EngineError('ERR_API_PERMISSION_DENIED', 'entry is not authorized for this agent', {
    data: { reason: 'not-authorized' },
  })
}

function peerIp(callPeer: string): string {
  const at = callPeer.lastIndexOf(':')
  return at > 0 ? callPeer.slice(0, at) : callPeer
}

/** The service implementation for `Server.addService(agentServiceDefinition(), …)`. */
export function agentApiHandlers(deps: AgentHandlerDeps): UntypedServiceImplementation {
  const { clock, logger, nodes, ca, sync } = deps
  const maxBatch = deps.maxBatch ?? 500

  const unary =
    <Req, Res>(name: string, body: (call: ServerUnaryCall<Req, Res>) => Promise<Res>): Handler<Req, Res> =>
    (call, callback) => {
      body(call).then(
        (res) => callback(null, res),
        (err: unknown) => {
          logger.debug({ rpc: name, code: (err as { code?: unknown }).code }, 'agent api call failed')
          callback(toServiceError(err))
        },
      )
    }

  const authenticate = (call: { getPeer(): string }) =>
    authenticateAgent(deps.peer(call.getPeer()), nodes, clock.now())

  const ttlFor = async (entrySeconds: number, kind: 'x509' | 'jwt') => {
    if (entrySeconds > 0) return entrySeconds * 1000
    const settings = await sync.settings()
    const tdSeconds = kind === 'x509' ? settings?.x509SvidTtlSeconds : settings?.jwtSvidTtlSeconds
    if (tdSeconds) return tdSeconds * 1000
    return kind === 'x509' ? deps.ttl.x509SvidMs : deps.ttl.jwtSvidMs
  }

  const denyAudit = (node: AttestedNode, entryId: string, svid: 'x509' | 'jwt') => {
    deps.metrics?.authorizationDenied(node.agentId)
    return nodes.appendAudit({
      atMs: clock.now(),
      actor: node.agentId,
      event: 'mint.denied',
      data: { entryId, svid },
    })
  }

  // an entry left out of the authorized set because its SPIFFE ID is revoked: audited as such
  const refuseUnauthorized = async (node: AttestedNode, entryId: string, svid: 'x509' | 'jwt') => {
    const revocation = await sync.revocationOf(entryId)
    if (!revocation) {
      await denyAudit(node, entryId, svid)
      return denied()
    }
    deps.metrics?.authorizationDenied(node.agentId)
    await nodes.appendAudit({
      atMs: clock.now(),
      actor: node.agentId,
      event: 'mint.denied',
      data: { entryId, svid, reason: 'revoked', spiffeId: revocation.spiffeId, revocationId: revocation.id },
    })
    return new EngineError('ERR_API_PERMISSION_DENIED', 'spiffe id is revoked', {
      data: { reason: 'revoked' },
    })
  }

  // attestation outcomes for the metrics; the error code travels in the status metadata
  const countAttest =
    (handler: Handler<AttestRequest, unknown>): Handler<AttestRequest, unknown> =>
    (call, callback) =>
      handler(call, (err, res) => {
        if (!err) deps.metrics?.svidMinted('agent')
        else {
          const code = err.metadata?.get('sigil-error-code')[0]
          deps.metrics?.attestationFailed(
            call.request.params ?? 'unknown',
            String(code ?? 'ERR_ATTEST_FAILED'),
          )
        }
        callback(err, res)
      })

  const identify = async (req: AttestRequest, ip: string) => {
    const nowMs = clock.now()
    if (req.params === 'join_token' && deps.joinTokens) {
      const redeemed = await redeemJoinToken(nodes, req.join_token?.token ?? '', nowMs, deps.trustDomain)
      return { ...redeemed, type: 'join_token' as AttestationType, selectors: [] as readonly string[] }
    }
    if (req.params === 'k8s_psat' && deps.k8sPsat) {
      const psat = req.k8s_psat ?? { cluster: '', token: '' }
      const node = await deps.k8sPsat.attest({ cluster: psat.cluster, token: psat.token, nowMs })
      return { ...node, type: 'k8s_psat' as AttestationType, aliasIds: [] as readonly string[] }
    }
    logger.debug({ ip, params: req.params }, 'attestation method not enabled')
    throw invalid('attestation method not enabled on this server', 'method')
  }

  const handlers = {
    AttestAgent: unary<AttestRequest, unknown>('AttestAgent', async (call) => {
      const ip = peerIp(call.getPeer())
      deps.attestationLimit.take(ip)
      const csr = verifyCsr(call.request.csr ?? Buffer.alloc(0))
      const who = await identify(call.request, ip)
      const existing = await nodes.fetchAttestedNode(who.agentId)
      const atMs = clock.now()
      if (existing?.banned) {
        await nodes.appendAudit({
          atMs,
          actor: who.agentId,
          event: 'node.attest.denied',
          data: { reason: 'banned' },
        })
        throw new EngineError('ERR_ATTEST_BANNED', 'agent is banned', { data: { reason: 'banned' } })
      }
      const svid = ca.signWorkloadX509SvidForKey({
        spkiDer: csr.spkiDer,
        spiffeId: who.agentId,
        ttlMs: deps.ttl.agentSvidMs,
      })
      await nodes.upsertAttestedNode({
        agentId: who.agentId,
        attestationType: who.type,
        selectors: [...who.selectors, `spiffe_id:${who.agentId}`],
        aliasIds: who.aliasIds,
        svidSerial: svid.serial,
        svidExpiresAtMs: svid.notAfterMs,
        updatedAtMs: atMs,
      })
      await nodes.appendAudit({
        atMs,
        actor: who.agentId,
        event: 'node.attest',
        data: { agentId: who.agentId, type: who.type, serial: svid.serial, ip },
      })
      logger.info({ agentId: who.agentId, type: who.type, serial: svid.serial }, 'agent attested')
      return { svid: wireX509Svid(who.agentId, svid), bundle: wireBundle(ca.bundle()) }
    }),

    RenewAgent: unary<{ csr?: Buffer }, unknown>('RenewAgent', async (call) => {
      const node = await authenticate(call)
      deps.signingLimit.take(node.agentId)
      const svid = ca.signWorkloadX509Svid({
        csrDer: call.request.csr ?? Buffer.alloc(0),
        spiffeId: node.agentId,
        ttlMs: deps.ttl.agentSvidMs,
      })
      await nodes.updateAttestedNodeSvid(node.agentId, svid.serial, svid.notAfterMs, clock.now())
      deps.metrics?.svidMinted('agent')
      logger.debug({ agentId: node.agentId, serial: svid.serial }, 'agent svid renewed')
      return { svid: wireX509Svid(node.agentId, svid) }
    }),

    MintX509Svids: unary<{ params?: { entry_id: string; csr: Buffer }[] }, unknown>(
      'MintX509Svids',
      async (call) => {
        const node = await authenticate(call)
        const params = call.request.params ?? []
        if (params.length > maxBatch) throw invalid(`at most ${maxBatch} svids per call`, 'batch-size')
        deps.signingLimit.take(node.agentId, params.length)
        const authorized = await sync.authorizedFor(node)
        const results = []
        for (const p of params) {
          const entry = authorized.get(p.entry_id)
          try {
            if (!entry) throw await refuseUnauthorized(node, p.entry_id, 'x509')
            const svid = ca.signWorkloadX509Svid({
              csrDer: p.csr,
              spiffeId: entry.spiffeId,
              dnsNames: entry.dnsNames,
              ttlMs: await ttlFor(entry.x509SvidTtlSeconds, 'x509'),
            })
            deps.metrics?.svidMinted('x509')
            results.push({
              entry_id: p.entry_id,
              status: { code: status.OK, message: '' },
              svid: wireX509Svid(entry.spiffeId, svid),
            })
          } catch (err) {
            results.push({ entry_id: p.entry_id, status: toItemStatus(err), svid: null })
          }
        }
        return { results }
      },
    ),

    MintJwtSvid: unary<{ entry_id: string; audience?: string[] }, unknown>('MintJwtSvid', async (call) => {
      const node = await authenticate(call)
      deps.signingLimit.take(node.agentId)
      const entry = (await sync.authorizedFor(node)).get(call.request.entry_id)
      if (!entry) throw await refuseUnauthorized(node, call.request.entry_id, 'jwt')
      const jwt = ca.signJwtSvid({
        spiffeId: entry.spiffeId,
        audience: call.request.audience ?? [],
        ttlMs: await ttlFor(entry.jwtSvidTtlSeconds, 'jwt'),
      })
      deps.metrics?.svidMinted('jwt')
      return { token: jwt.token, expires_at_ms: jwt.expiresAtMs }
    }),

    FetchBundles: unary<unknown, unknown>('FetchBundles', async (call) => {
      await authenticate(call)
      return { bundle: wireBundle(ca.bundle()), federated_bundles: await sync.federatedBundles() }
    }),

    SyncAuthorizedEntries: (call: ServerWritableStream<unknown, unknown>) => {
      let unsubscribe: (() => void) | undefined
      let done = false
      const finish = () => {
        done = true
        unsubscribe?.()
      }
      call.on('cancelled', finish)
      call.on('close', finish)
      authenticate(call)
        .then((node) =>
          sync.subscribe(node, {
            send: (message) => {
              if (!done) call.write(message)
            },
            fail: (err) => {
              if (!done) call.emit('error', toServiceError(err))
              done = true
            },
            end: () => {
              if (!done) call.end()
              done = true
            },
          }),
        )
        .then(
          (unsub) => {
            unsubscribe = unsub
            if (done) unsub()
          },
          (err: unknown) => {
            if (!done) call.emit('error', toServiceError(err))
            done = true
          },
        )
    },
  }
  return { ...handlers, AttestAgent: countAttest(handlers.AttestAgent) }
}

interface AttestRequest {
  params?: 'join_token' | 'k8s_psat'
  join_token?: { token: string }
  k8s_psat?: { cluster: string; token: string }
  csr?: Buffer
}
