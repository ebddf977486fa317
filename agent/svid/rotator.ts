/**
 * The workload SVID loop: for every authorized entry without a fresh X509-SVID, generates a key and
 * CSR on this node, mints them in batches over MintX509Svids, and stores the results in the cache.
 * It sleeps on the injected clock until the next rotation or expiry, and wakes at once when the
 * cache changes (a sync). Failures back off from 0.5 s to 30 s; private keys never leave the node.
 */
import { readCertificate } from '../../engine/ca/certificate-der.js'
import type { CsrAndKey } from '../../engine/ca/csr.js'
import type { Clock } from '../../engine/core/clock.js'
import type { Random } from '../../engine/core/random.js'
import {
  entriesNeedingSvid,
  nextEventAtMs,
  svidFingerprint,
  type CachedEntry,
  type CachedX509Svid,
} from './cache.js'
import { jitterFromUnit, shouldRotate } from './rotation.js'
import type { SvidCache } from './svid-cache.js'

/** One item of a MintX509Svids call. */
export interface MintX509Request {
  readonly entryId: string
  readonly csrDer: Buffer
}

/** One result: the chain (leaf first) or a gRPC status code. */
export type MintX509Result =
  | { readonly entryId: string; readonly ok: true; readonly certChainDer: readonly Buffer[] }
  | { readonly entryId: string; readonly ok: false; readonly code: number; readonly message: string }

/** What the rotator needs from the server connection. */
export interface X509SvidMinter {
  mintX509Svids(requests: readonly MintX509Request[]): Promise<readonly MintX509Result[]>
}

/** Minimal structured logger (pino fits). */
export interface RotatorLogger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  debug(fields: object, message: string): void
}

export interface SvidRotatorDeps {
  readonly cache: SvidCache
  readonly minter: X509SvidMinter
  readonly clock: Clock
  readonly random: Random
  /** A new key and a CSR for it (engine/ca `createCsr`). */
  readonly createCsr: (spiffeId: string) => CsrAndKey
  readonly logger: RotatorLogger
  /** Most SVIDs per call (the server's cap); default 500. */
  readonly maxBatch?: number
  /** Counts minted X509-SVIDs (absent: nothing is counted). */
  readonly metrics?: RotatorMetrics
}

/** What the rotator reports to the agent's metrics. */
export interface RotatorMetrics {
  svidRotated(type: 'x509', count: number): void
}

const MIN_BACKOFF_MS = 500
const MAX_BACKOFF_MS = 30_000
const IDLE_MS = 60_000

/** See the module comment. */
export class SvidRotator {
  private failures = 0
  private woken = false
  private wakeSleep: AbortController | undefined
  /** Entries whose last mint failed, with the instant of the next attempt. */
  private readonly retryAt = new Map<string, number>()

  constructor(private readonly deps: SvidRotatorDeps) {}

  /** Ends the current wait early (the cache changed). */
  wake(): void {
    this.woken = true
    this.wakeSleep?.abort()
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const unsubscribe = this.deps.cache.subscribe(new Set(), () => this.wake())
    try {
      while (!signal.aborted) {
        this.woken = false
        this.deps.cache.checkExpiry()
        const nowMs = this.deps.clock.now()
        for (const id of this.retryAt.keys())
          if (!this.deps.cache.state.entries.has(id)) this.retryAt.delete(id)
        const due = entriesNeedingSvid(this.deps.cache.state, nowMs).filter(
          (e) => (this.retryAt.get(e.id) ?? 0) <= nowMs,
        )
        let waitMs: number | undefined
        if (due.length > 0) {
          try {
            await this.mint(due)
            this.failures = 0
            continue
          } catch (err) {
            this.failures++
            waitMs = this.backoffMs()
            this.deps.logger.warn(
              { err: (err as Error).message, entries: due.length, retryInMs: waitMs },
              'x509-svid minting failed',
            )
          }
        }
        await this.sleep(waitMs ?? this.idleMs(nowMs), signal)
      }
    } finally {
      unsubscribe()
    }
  }

  private async mint(due: readonly CachedEntry[]): Promise<void> {
    const maxBatch = this.deps.maxBatch ?? 500
    for (let i = 0; i < due.length; i += maxBatch) {
      const batch = due.slice(i, i + maxBatch)
      const keys = new Map<string, { entry: CachedEntry; key: Buffer }>()
      const requests = batch.map((entry) => {
        const { csrDer, privateKeyPkcs8Der } = this.deps.createCsr(entry.spiffeId)
        keys.set(entry.id, { entry, key: privateKeyPkcs8Der })
        return { entryId: entry.id, csrDer }
      })
      const results = await this.deps.minter.mintX509Svids(requests)
      const minted: CachedX509Svid[] = []
      const nowMs = this.deps.clock.now()
      for (const result of results) {
        const pending = keys.get(result.entryId)
        if (!pending) continue
        if (!result.ok) {
          const attempts = this.failures + 1
          this.retryAt.set(result.entryId, nowMs + Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** attempts))
          this.deps.logger.warn(
            { entryId: result.entryId, code: result.code, reason: result.message },
            'x509-svid not issued',
          )
          continue
        }
        this.retryAt.delete(result.entryId)
        const leaf = readCertificate(result.certChainDer[0] as Buffer)
        minted.push({
          entryId: result.entryId,
          spiffeId: pending.entry.spiffeId,
          certChainDer: result.certChainDer,
          privateKeyPkcs8Der: pending.key,
          notBeforeMs: leaf.notBeforeMs,
          notAfterMs: leaf.notAfterMs,
          fingerprint: svidFingerprint(pending.entry),
          jitter: jitterFromUnit(this.deps.random.unit()),
        })
        this.deps.logger.debug(
          { entryId: result.entryId, spiffeId: pending.entry.spiffeId, notAfterMs: leaf.notAfterMs },
          'x509-svid minted',
        )
      }
      this.deps.cache.storeSvids(minted)
      if (minted.length > 0) this.deps.metrics?.svidRotated('x509', minted.length)
      for (const svid of minted) {
        // a lifetime so short that the fresh SVID is already due would otherwise spin the loop
        if (shouldRotate(svid, nowMs, svid.jitter)) this.retryAt.set(svid.entryId, nowMs + 1000)
      }
    }
  }

  private backoffMs(): number {
    return Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.failures - 1))
  }

  private idleMs(nowMs: number): number {
    let next = nextEventAtMs(this.deps.cache.state, nowMs) ?? nowMs + IDLE_MS
    for (const at of this.retryAt.values()) if (at > nowMs && at < next) next = at
    return Math.max(1, Math.min(IDLE_MS, Math.ceil(next - nowMs)))
  }

  private async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.woken || signal.aborted) return
    const wake = new AbortController()
    this.wakeSleep = wake
    try {
      await this.deps.clock.sleep(ms, AbortSignal.any([signal, wake.signal]))
    } catch {
      // woken or stopped; the loop condition decides
    } finally {
      this.wakeSleep = undefined
    }
  }
}
