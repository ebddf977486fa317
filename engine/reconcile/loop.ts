/**
 * The reconcile loop (SHELL): one cycle at once, then every interval (plus up to `jitter` of it, so
 * replicas and servers do not fetch in step); `trigger()` (webhook, `sigil reconcile now`) runs a
 * cycle at once, and triggers during a cycle queue exactly one more.
 */
import type { Clock } from '../core/clock.js'
import type { Random } from '../core/random.js'

export interface LoopDeps<R> {
  readonly clock: Clock
  readonly random: Random
  readonly intervalMs: number
  /** Fraction of the interval added at random to each wait; default 0.1. */
  readonly jitter?: number
  /** Runs one cycle; `trigger` says why (`start`, `interval`, `webhook`, `manual`). Must not throw. */
  readonly runCycle: (trigger: string) => Promise<R>
  /** The value waiters get when the loop stops before their cycle ran. */
  readonly stopped: R
}

interface Pending<R> {
  trigger: string
  readonly waiters: ((result: R) => void)[]
}

/** The loop. `run()` once; `trigger()` any time. */
export class ReconcileLoop<R> {
  private pending: Pending<R> | undefined
  private wake: AbortController | undefined
  private cycles = 0

  constructor(private readonly deps: LoopDeps<R>) {}

  /** Cycles completed so far. */
  get completed(): number {
    return this.cycles
  }

  /** Asks for a cycle now (or right after the running one); resolves with that cycle's result. */
  trigger(reason: string): Promise<R> {
    return new Promise<R>((resolve) => {
      if (this.pending) this.pending.waiters.push(resolve)
      else this.pending = { trigger: reason, waiters: [resolve] }
      this.wake?.abort()
    })
  }

  /** Runs cycles until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let reason = 'start'
    while (!signal.aborted) {
      const pending = this.pending
      this.pending = undefined
      const result = await this.deps.runCycle(pending?.trigger ?? reason)
      this.cycles++
      for (const resolve of pending?.waiters ?? []) resolve(result)
      if (this.pending) continue
      reason = (await this.sleep(signal)) ? 'interval' : 'trigger'
    }
    const left = this.pending
    this.pending = undefined
    for (const resolve of left?.waiters ?? []) resolve(this.deps.stopped)
  }

  /** Waits one interval with jitter; false when woken early (trigger or stop). */
  private async sleep(signal: AbortSignal): Promise<boolean> {
    // stopped during the cycle: an abort listener added now would never fire
    if (signal.aborted) return false
    const jitter = this.deps.jitter ?? 0.1
    const delayMs = Math.round(this.deps.intervalMs * (1 + jitter * this.deps.random.unit()))
    const wake = new AbortController()
    this.wake = wake
    const stop = () => wake.abort()
    signal.addEventListener('abort', stop, { once: true })
    try {
      await this.deps.clock.sleep(delayMs, wake.signal)
      return true
    } catch {
      return false
    } finally {
      signal.removeEventListener('abort', stop)
      this.wake = undefined
    }
  }
}
