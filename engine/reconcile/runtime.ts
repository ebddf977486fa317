/**
 * The reconcile side of `sigil server` in one call (SHELL): the reconciler over the configured Git
 * source and the HTTP endpoint (health, readiness, metrics, webhook), wired from the server config.
 */
import { join } from 'node:path'
import type { CertificateAuthority } from '../ca/certificate-authority.js'
import type { Clock } from '../core/clock.js'
import type { Random } from '../core/random.js'
import { readBuiltinPolicies } from '../source/builtin-policies.js'
import type { RegistrationStore } from '../store/registration-store.js'
import type { ReconcileConfig } from './config.js'
import { createGitReader } from './git-reader.js'
import { startHttpEndpoint, type HttpEndpoint, type HttpEndpointOptions } from './http-server.js'
import type { ServerMetrics } from './metrics.js'
import { openReconciler, type Leadership, type ReconcileLogger, type Reconciler } from './reconciler.js'
import { fileReconcileState, type ReconcileStateStore } from './state-store.js'

export interface ReconcileRuntimeOptions {
  readonly dataDir: string
  readonly reconcile: ReconcileConfig
  readonly httpListen?: { readonly host: string; readonly port: number }
  readonly store: RegistrationStore
  readonly ca: CertificateAuthority
  readonly clock: Clock
  readonly random: Random
  readonly logger: ReconcileLogger
  readonly metrics: ServerMetrics
  readonly leadership: Leadership
  /** Where status and suspend live; default: files in `dataDir` (one server). */
  readonly reconcileState?: ReconcileStateStore
  readonly sigilVersion: string
  readonly onApplied: () => void
  /** More routes on the HTTP endpoint (the authz API). */
  readonly httpRoutes?: HttpEndpointOptions['routes']
}

export interface ReconcileRuntime {
  readonly reconciler: Reconciler
  /** The HTTP endpoint, when `httpListen` is configured. */
  readonly http?: HttpEndpoint
  /** Runs the loop until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>
  close(): Promise<void>
}

/** Builds the reconciler and starts the HTTP endpoint (the loop starts with `run`). */
export async function startReconcileRuntime(options: ReconcileRuntimeOptions): Promise<ReconcileRuntime> {
  const { reconcile: config, store, ca, metrics, logger } = options
  const git = config.git
  const reconciler = await openReconciler(
    {
      mode: config.mode,
      suspend: config.suspend,
      ...(git
        ? {
            source: {
              url: git.url,
              ...(git.ref ? { ref: git.ref } : {}),
              ...(git.path ? { path: git.path } : {}),
              intervalMs: git.intervalMs,
            },
          }
        : {}),
    },
    {
      clock: options.clock,
      random: options.random,
      logger,
      store,
      state: options.reconcileState ?? fileReconcileState(options.dataDir),
      metrics,
      leadership: options.leadership,
      ...(git
        ? {
            source: createGitReader({
              url: git.url,
              cacheDir: join(options.dataDir, 'git'),
              ...(git.ref ? { ref: git.ref } : {}),
              ...(git.path ? { path: git.path } : {}),
              ...(git.verify ? { verify: git.verify } : {}),
              ...(git.timeoutMs ? { timeoutMs: git.timeoutMs } : {}),
            }),
          }
        : {}),
      builtinPolicies: git ? await readBuiltinPolicies() : [],
      sigilVersion: options.sigilVersion,
      onApplied: options.onApplied,
    },
  )
  let http: HttpEndpoint | undefined
  if (options.httpListen) {
    http = await startHttpEndpoint({
      ...options.httpListen,
      ...(options.httpRoutes ? { routes: options.httpRoutes } : {}),
      metrics,
      logger,
      readiness: async () => ({
        store: await store.fetchRevision().then(
          () => true,
          () => false,
        ),
        ca: ca.bundle().x509Authorities.length > 0,
        reconcile: reconciler.ready,
      }),
      ...(git?.webhookSecret
        ? {
            webhook: {
              secret: git.webhookSecret,
              ...(git.ref ? { ref: git.ref } : {}),
              trigger: (reason: string) => reconciler.trigger(reason),
            },
          }
        : {}),
    })
  }
  return {
    reconciler,
    ...(http ? { http } : {}),
    run: (signal) => reconciler.run(signal),
    close: async () => {
      await http?.close()
    },
  }
}
