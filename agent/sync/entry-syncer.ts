/**
 * The authorized-entry stream: keeps SyncAuthorizedEntries open, applies every full-state message to
 * the SVID cache and hands the bundle to the agent identity. When the stream ends or the server is
 * unreachable it reconnects with backoff (0.5 s doubling to 10 s, reset by any message) while the
 * cache keeps serving what it has.
 */
import type { ServiceError } from '@grpc/grpc-js'
import type { Clock } from '../../engine/core/clock.js'
import type { SvidCache } from '../svid/svid-cache.js'
import { decodeSyncMessage, type WireSyncMessage } from './wire.js'

/** The stream side of the server client. */
export interface SyncClient {
  syncAuthorizedEntries(
    onMessage: (message: WireSyncMessage) => void,
    onEnd: (err: ServiceError | undefined) => void,
  ): () => void
}

/** Minimal structured logger (pino fits). */
export interface SyncLogger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  debug(fields: object, message: string): void
}

export interface EntrySyncerDeps {
  /** The current mTLS client (it changes when the agent SVID is renewed). */
  readonly client: () => SyncClient
  readonly cache: SvidCache
  readonly clock: Clock
  readonly logger: SyncLogger
  /** Called with the local bundle's DER authorities of every message. */
  readonly onBundle?: (bundleDer: readonly Buffer[]) => void | Promise<void>
  /** Reports the stream state and sync times (absent: nothing is reported). */
  readonly metrics?: SyncMetrics
}

/** What the syncer reports to the agent's metrics. */
export interface SyncMetrics {
  /** The stream delivered a message (true) or ended (false). */
  syncConnected(connected: boolean): void
  /** A sync message was applied at `nowMs`. */
  synced(nowMs: number): void
}

const MIN_BACKOFF_MS = 500
const MAX_BACKOFF_MS = 10_000

/** See the module comment. */
export class EntrySyncer {
  private messages = 0

  constructor(private readonly deps: EntrySyncerDeps) {}

  /** Messages applied so far. */
  get received(): number {
    return this.messages
  }

  /** Syncs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0
    while (!signal.aborted) {
      const { gotMessage, err } = await this.streamOnce(signal)
      if (signal.aborted) return
      failures = gotMessage ? 1 : failures + 1
      const waitMs = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (failures - 1))
      this.deps.logger[failures > 1 ? 'warn' : 'info'](
        { code: err?.code, details: err?.details, retryInMs: waitMs },
        'entry sync stream ended; reconnecting',
      )
      try {
        await this.deps.clock.sleep(waitMs, signal)
      } catch {
        return
      }
    }
  }

  private streamOnce(signal: AbortSignal): Promise<{ gotMessage: boolean; err: ServiceError | undefined }> {
    return new Promise((resolve) => {
      let gotMessage = false
      let cancel = () => {}
      let done = false
      const finish = (err: ServiceError | undefined) => {
        if (done) return
        done = true
        this.deps.metrics?.syncConnected(false)
        signal.removeEventListener('abort', onAbort)
        resolve({ gotMessage, err })
      }
      const onAbort = () => {
        cancel()
        finish(undefined)
      }
      try {
        cancel = this.deps.client().syncAuthorizedEntries((message) => {
          gotMessage = true
          this.deps.metrics?.syncConnected(true)
          this.apply(message)
        }, finish)
      } catch (err) {
        finish(err as ServiceError)
        return
      }
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  private apply(message: WireSyncMessage): void {
    const sync = decodeSyncMessage(message)
    if (!sync) {
      this.deps.logger.warn({}, 'sync message without a bundle ignored')
      return
    }
    this.messages++
    const changed = this.deps.cache.applySync(sync)
    this.deps.metrics?.synced(this.deps.clock.now())
    this.deps.logger.debug(
      { revision: sync.revision, entries: sync.entries.length, changed },
      'authorized entries synced',
    )
    void Promise.resolve(this.deps.onBundle?.(sync.bundle.x509AuthoritiesDer)).catch((err: unknown) =>
      this.deps.logger.warn({ err: (err as Error).message }, 'cannot store the trust bundle'),
    )
  }
}
