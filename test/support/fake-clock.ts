import type { Clock } from '../../engine/core/clock.js'

interface Sleeper {
  readonly wakeAtMs: number
  readonly resolve: () => void
}

/** A clock that only moves when told to; `waitForSleepers` says when a loop is parked (SPIRE's mock clock). */
export class FakeClock implements Clock {
  private nowMs: number
  private sleepers: Sleeper[] = []
  private waiters: { count: number; resolve: () => void }[] = []

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.nowMs = startMs
  }

  now(): number {
    return this.nowMs
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { wakeAtMs: this.nowMs + ms, resolve }
      this.sleepers.push(sleeper)
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper)
          reject(signal.reason)
        },
        { once: true },
      )
      this.notifyWaiters()
    })
  }

  /** Moves time forward and wakes every sleeper that is due. */
  advance(ms: number): void {
    this.set(this.nowMs + ms)
  }

  /** Sets the time and wakes every sleeper that is due. */
  set(ms: number): void {
    this.nowMs = ms
    const due = this.sleepers.filter((s) => s.wakeAtMs <= ms)
    this.sleepers = this.sleepers.filter((s) => s.wakeAtMs > ms)
    for (const s of due) s.resolve()
  }

  /** Resolves once at least `n` callers are parked in `sleep`. */
  waitForSleepers(n: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ count: n, resolve })
      this.notifyWaiters()
    })
  }

  get sleeperCount(): number {
    return this.sleepers.length
  }

  private notifyWaiters(): void {
    const ready = this.waiters.filter((w) => this.sleepers.length >= w.count)
    this.waiters = this.waiters.filter((w) => this.sleepers.length < w.count)
    for (const w of ready) w.resolve()
  }
}
