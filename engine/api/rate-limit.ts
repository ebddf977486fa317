/** Token-bucket rate limits per key (agent ID or peer IP), on the injected clock. */
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'

/** A rate: `perSecond` sustained, bursts up to `burst` (default: perSecond). 0 disables the limit. */
export interface RateSpec {
  readonly perSecond: number
  readonly burst?: number
}

interface Bucket {
  tokens: number
  atMs: number
}

/** Keys tracked at most; the oldest are forgotten first (a forgotten key starts with a full bucket). */
const MAX_KEYS = 10_000

/** Per-key token buckets. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly burst: number

  constructor(
    private readonly spec: RateSpec,
    private readonly clock: Clock,
  ) {
    if (!(spec.perSecond >= 0)) throw new TypeError('perSecond must be >= 0')
    this.burst = spec.burst ?? Math.max(1, spec.perSecond)
  }

  /** Takes `cost` tokens for `key` or throws ERR_API_RATE_LIMITED without taking any. */
  take(key: string, cost = 1): void {
    if (this.spec.perSecond === 0) return
    const now = this.clock.now()
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, atMs: now }
    const refill = ((now - bucket.atMs) / 1000) * this.spec.perSecond
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, refill))
    bucket.atMs = now
    this.buckets.delete(key)
    this.buckets.set(key, bucket)
    if (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value as string)
    // a batch larger than the burst is still allowed from a full bucket, so it can never be starved
    if (bucket.tokens < Math.min(cost, this.burst)) {
      throw new EngineError('ERR_API_RATE_LIMITED', 'rate limit exceeded', { data: { key } })
    }
    bucket.tokens -= cost
  }
}
