/**
 * The server's authz runtime (SHELL): the in-process authorizer (refreshed every poll when the
 * store revision moves), the decision log in the data directory, the access-token key and the HTTP
 * routes. `run-server.ts` starts it and mounts `httpRoutes` on the HTTP endpoint.
 */
import { join } from 'node:path'
import type { TrustBundle } from '../ca/bundle.js'
import type { KeyManager } from '../ca/key-manager.js'
import type { Clock } from '../core/clock.js'
import type { Random } from '../core/random.js'
import type { RegistrationStore } from '../store/registration-store.js'
import { createAccessTokenSigner } from './access-token.js'
import { accessTokenKid, loadAccessTokenKey } from './access-token-key.js'
import { createAuthorizer, type Authorizer } from './authorizer.js'
import { createDecisionLog, DECISIONS_FILE, type DecisionLog } from './decision-log.js'
import { startAuthzGrpc, type AuthzGrpcServer } from './grpc-api.js'
import {
  AUTHORIZE_PATH,
  createAuthzHttpHandler,
  type AuthzHttpHandler,
  type AuthzHttpOptions,
} from './http-api.js'
import { DEFAULT_ACCESS_TOKEN_TTL_MS, TOKEN_PATH } from './token-endpoint.js'

export interface AuthzServiceOptions {
  readonly dataDir: string
  readonly store: Pick<RegistrationStore, 'fetchRevision' | 'readLiveState'>
  readonly ca: { readonly trustDomain: string; bundle(): TrustBundle }
  readonly clock: Clock
  readonly random: Random
  /** Where the access-token key is kept (the CA's key manager); shared by HA replicas. */
  readonly keys: KeyManager
  /** May this replica create the key when it is missing (the leader)? */
  readonly canCreateKey: () => boolean
  readonly logger: {
    info(obj: object, msg: string): void
    warn(obj: object, msg: string): void
  }
  readonly config?: {
    readonly issuer?: string
    readonly tokenEndpointAudience?: string
    readonly authorizeAudience?: string
    readonly accessTokenTtlMs?: number
    /** Serve the gRPC Authorize API here (plaintext). */
    readonly grpcListen?: { readonly host: string; readonly port: number }
  }
  /** How often the authorizer polls the store revision and the decision log is flushed. */
  readonly refreshIntervalMs?: number
}

export interface AuthzService {
  readonly authorizer: Authorizer
  readonly decisions: DecisionLog
  readonly httpRoutes: AuthzHttpHandler
  /** The URLs in force (defaults derive from the HTTP endpoint's address). */
  readonly urls: { issuer: string; tokenEndpointAudience: string; authorizeAudience: string }
  /** Sets the defaults from the HTTP endpoint's bound address (unless configured). */
  setEndpoint(host: string, port: number): void
  /** The gRPC Authorize listener, when `grpcListen` is configured. */
  readonly grpc?: AuthzGrpcServer
  /** Refresh and flush loops until aborted (flushes once more at the end). */
  run(signal: AbortSignal): Promise<void>
  /** Stops the gRPC listener and flushes the decision log. */
  close(): Promise<void>
}

/** Opens the authorizer over the store and prepares the routes. */
export async function startAuthzService(options: AuthzServiceOptions): Promise<AuthzService> {
  const { clock, logger, config = {} } = options
  const decisions = createDecisionLog({ path: join(options.dataDir, DECISIONS_FILE), clock })
  const authorizer = await createAuthorizer({ store: options.store, clock, onDecision: decisions.record })
  const key = await loadAccessTokenKey(options.keys, { clock, canCreate: options.canCreateKey })
  const signer = createAccessTokenSigner({ kid: accessTokenKid(key), privateKey: key.privateKey })
  const trustDomain = options.ca.trustDomain
  const urls = { issuer: '', tokenEndpointAudience: '', authorizeAudience: '' }
  const setEndpoint = (host: string, port: number) => {
    const base = (config.issuer ?? `https://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(
      /\/+$/,
      '',
    )
    urls.issuer = base
    urls.tokenEndpointAudience = config.tokenEndpointAudience ?? `${base}${TOKEN_PATH}`
    urls.authorizeAudience = config.authorizeAudience ?? `${base}${AUTHORIZE_PATH}`
  }
  setEndpoint('localhost', 0)
  const handlerOptions: AuthzHttpOptions = {
    get issuer() {
      return urls.issuer
    },
    get assertionAudience() {
      return urls.tokenEndpointAudience
    },
    get authorizeAudience() {
      return urls.authorizeAudience
    },
    defaultAudience: trustDomain,
    ttlMs: config.accessTokenTtlMs ?? DEFAULT_ACCESS_TOKEN_TTL_MS,
    bundles: (td) => (td === trustDomain ? options.ca.bundle().jwtAuthorities : undefined),
    authorizer,
    signer,
    clock,
    random: options.random,
    onIssued: (token) => {
      decisions.recordToken({ type: 'token', atMs: clock.now(), ...token })
      logger.info(
        { spiffeId: token.spiffeId, scope: token.scopes.join(' '), jti: token.jti },
        'access token issued',
      )
    },
    onRefused: (refusal) => {
      decisions.recordToken({ type: 'token-refused', atMs: clock.now(), ...refusal })
      logger.info({ ...refusal }, 'access token refused')
    },
  }
  const httpRoutes = createAuthzHttpHandler(handlerOptions, (err) =>
    logger.warn({ err: (err as Error).message }, 'authz http error'),
  )
  const intervalMs = options.refreshIntervalMs ?? 1000
  const grpc = config.grpcListen ? await startAuthzGrpc(config.grpcListen, handlerOptions) : undefined
  return {
    ...(grpc ? { grpc } : {}),
    async close() {
      await grpc?.close()
      decisions.flush()
    },
    authorizer,
    decisions,
    httpRoutes,
    urls,
    setEndpoint,
    async run(signal) {
      const onError = (what: string) => (err: unknown) => logger.warn({ err: (err as Error).message }, what)
      await Promise.all([
        authorizer.run(intervalMs, signal, onError('authz refresh failed')),
        decisions.run(Math.max(intervalMs, 5000), signal, onError('decision log flush failed')),
      ])
    },
  }
}
