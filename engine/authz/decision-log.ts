/**
 * Decision auditing (SHELL): every allow and deny is counted in memory per
 * (UTC day, SPIFFE ID, scope, decision, granting roles) and the counters are appended as JSON lines
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
  spiffeId: string
  scope: string
  day: string
  decision: Decision
  count: number
  firstMs: number
  lastMs: number
}

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
  // day → spiffeId → scope → decision object → counter; a decision object is shared per roles set
  let counters = new Map<string, Counter>()
  let events: TokenEvent[] = []
  let day = ''
  let dayEndMs = 0
  const flush = (): number => {
    const lines: string[] = []
    for (const c of counters.values()) {
      const line: DecisionCount = {
        type: 'decision',
        day: c.day,
        spiffeId: c.spiffeId,
        scope: c.scope,
        decision: c.decision.allow ? 'allow' : 'deny',
        roles: c.decision.allow ? c.decision.roles : [],
        count: c.count,
        firstMs: c.firstMs,
        lastMs: c.lastMs,
      }
      lines.push(JSON.stringify(line))
    }
    for (const e of events) lines.push(JSON.stringify(e))
    counters = new Map()
    events = []
    if (lines.length > 0) appendFileSync(deps.path, `${lines.join('\n')}\n`, { mode: 0o600 })
    return lines.length
  }
  return {
    record(spiffeId, scope, decision) {
      const now = deps.clock.now()
      if (now >= dayEndMs || now < dayEndMs - DAY_MS) {
        day = dayOf(now)
        dayEndMs = (Math.floor(now / DAY_MS) + 1) * DAY_MS
      }
      const key = `${day}\n${spiffeId}\n${scope}\n${decision.allow ? 'a' : 'd'}\n${decision.roles.join(',')}`
      const c = counters.get(key)
      if (c) {
        c.count++
        c.lastMs = now
      } else counters.set(key, { spiffeId, scope, day, decision, count: 1, firstMs: now, lastMs: now })
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
