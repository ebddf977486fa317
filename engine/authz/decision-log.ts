/**
 * Decision auditing (SHELL): every allow and deny is counted in memory per
 * (UTC day, decision with its granting roles, SPIFFE ID, scope) and the counters are appended as JSON lines
 * to `<dataDir>/decisions.jsonl` by `flush()` (every few seconds and on close). A decision costs one
 * Map update, never a write, so the hot path stays in-process; issued and refused access tokens are
 * appended one line each. The file is append-only but, unlike the store audit log, not hash-chained:
 * it records usage, not changes (docs/authz.md).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { DAY_MS, type Clock } from '../core/clock.js'
import type { Decision } from './engine.js'
import type { IssuedToken } from './token-endpoint.js'

/** The file name inside the data directory. */
export const DECISIONS_FILE = 'decisions.jsonl'

/** One counter line: `count` decisions of that kind on that day, first and last seen. */
export interface DecisionCount {
  readonly type: 'decision'
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string
  readonly spiffeId: string
  readonly scope: string
  readonly decision: 'allow' | 'deny'
  /** Granting roles (allow); empty for a deny. */
  readonly roles: readonly string[]
  readonly count: number
  readonly firstMs: number
  readonly lastMs: number
}

/** One issued or refused access token. */
export type TokenEvent =
  | ({ readonly type: 'token'; readonly atMs: number } & IssuedToken)
  | {
      readonly type: 'token-refused'
      readonly atMs: number
      readonly error: string
      readonly reason: string
      readonly spiffeId?: string
    }

export type DecisionLogRecord = DecisionCount | TokenEvent

interface Counter {
  count: number
  firstMs: number
  lastMs: number
}

/** One day's counters: decision object (interned per roles set) → SPIFFE ID → scope → counter. */
type DayCounters = Map<Decision, Map<string, Map<string, Counter>>>

export interface DecisionLog {
  /** Counts one decision (the authorizer's `onDecision`). */
  record(spiffeId: string, scope: string, decision: Decision): void
  recordToken(event: TokenEvent): void
  /** Appends and clears the counters and events; returns the lines written. */
  flush(): number
  /** Flushes every `intervalMs` until aborted, then once more. */
  run(intervalMs: number, signal: AbortSignal, onError?: (err: unknown) => void): Promise<void>
}

const dayOf = (ms: number) => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10)

/** A decision log appending to `path` (created on first flush). */
export function createDecisionLog(deps: { path: string; clock: Clock }): DecisionLog {
  // nested maps keyed by the shared decision object: counting allocates nothing after the first hit
  let days: { day: string; counters: DayCounters }[] = []
  let counters: DayCounters = new Map()
  let events: TokenEvent[] = []
  let day = ''
  let dayStartMs = 0
  let dayEndMs = 0
  const flush = (): number => {
    const lines: string[] = []
    for (const d of [...days, { day, counters }])
      for (const [decision, byId] of d.counters)
        for (const [spiffeId, byScope] of byId)
          for (const [scope, c] of byScope) {
            const line: DecisionCount = {
              type: 'decision',
              day: d.day,
              spiffeId,
              scope,
              decision: decision.allow ? 'allow' : 'deny',
              roles: decision.allow ? decision.roles : [],
              count: c.count,
              firstMs: c.firstMs,
              lastMs: c.lastMs,
            }
            lines.push(JSON.stringify(line))
          }
    for (const e of events) lines.push(JSON.stringify(e))
    days = []
    counters = new Map()
    events = []
    if (lines.length > 0) appendFileSync(deps.path, `${lines.join('\n')}\n`, { mode: 0o600 })
    return lines.length
  }
  return {
    record(spiffeId, scope, decision) {
      const now = deps.clock.now()
      if (now >= dayEndMs || now < dayStartMs) {
        if (counters.size > 0) days.push({ day, counters })
        counters = new Map()
        day = dayOf(now)
        dayStartMs = Math.floor(now / DAY_MS) * DAY_MS
        dayEndMs = dayStartMs + DAY_MS
      }
      let byId = counters.get(decision)
      if (!byId) counters.set(decision, (byId = new Map()))
      let byScope = byId.get(spiffeId)
      if (!byScope) byId.set(spiffeId, (byScope = new Map()))
      const c = byScope.get(scope)
      if (c) {
        c.count++
        c.lastMs = now
      } else byScope.set(scope, { count: 1, firstMs: now, lastMs: now })
    },
    recordToken(event) {
      events.push(event)
    },
    flush,
    async run(intervalMs, signal, onError) {
      while (!signal.aborted) {
        try {
          await deps.clock.sleep(intervalMs, signal)
        } catch {
          break
        }
        try {
          flush()
        } catch (err) {
          onError?.(err)
        }
      }
      try {
        flush()
      } catch (err) {
        onError?.(err)
      }
    },
  }
}

/** Reads a decision log; malformed lines are skipped (a crash can leave a partial last line). */
export function readDecisionLog(path: string): DecisionLogRecord[] {
  if (!existsSync(path)) return []
  const out: DecisionLogRecord[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue
    try {
      out.push(JSON.parse(line) as DecisionLogRecord)
    } catch {
      // partial line
    }
  }
  return out
}
