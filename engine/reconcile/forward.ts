/**
 * `sigil reconcile now` (and webhooks) reaching a follower replica: the follower records a request
 * in the shared store and waits for the answer; the leader looks for requests every second, runs
 * one cycle for all of them and records its result. A request outlives a failover: whichever
 * replica leads next answers it.
 */
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import type { CycleResult } from './cycle.js'
import type { Leadership, ReconcileLogger } from './reconciler-deps.js'
import type { AnsweringLeader, CycleRequests, NowResult } from './state-store.js'

/** How often the leader looks for forwarded requests. */
export const REQUEST_POLL_MS = 1000
/** How often a waiting follower looks for the answer. */
const ANSWER_POLL_MS = 500
/** How long a follower waits for a leader to answer before it gives up (the request stays queued). */
export const FORWARD_WAIT_MS = 120_000

/** Follower side: records a request and resolves with the leader's answer. */
export async function forwardCycle(
  requests: CycleRequests,
  deps: {
    readonly clock: Clock
    readonly leaderInfo: () => object | undefined
    readonly waitMs?: number
    /** The server stopping: stop waiting. */
    readonly signal?: AbortSignal
  },
): Promise<NowResult> {
  const seq = await requests.request()
  const deadlineMs = deps.clock.now() + (deps.waitMs ?? FORWARD_WAIT_MS)
  for (;;) {
    const answer = await requests.fetchAnswer(seq)
    if (answer) return answer
    if (deps.clock.now() >= deadlineMs) throw noAnswer(seq, deps.leaderInfo())
    await deps.clock.sleep(ANSWER_POLL_MS, deps.signal)
  }
}

/** The leader named by `leaderInfo()` (engine/ha/leadership.ts), in the form an answer carries. */
export function answeringLeader(info: object | undefined): AnsweringLeader {
  const { epoch, holder } = (info ?? {}) as { epoch?: number; holder?: AnsweringLeader }
  return {
    ...(holder?.hostname ? { hostname: holder.hostname } : {}),
    ...(holder?.address ? { address: holder.address } : {}),
    ...((epoch ?? holder?.epoch) !== undefined ? { epoch: epoch ?? holder?.epoch } : {}),
  }
}

function noAnswer(seq: number, info: object | undefined): EngineError {
  const holder = (info as { holder?: AnsweringLeader } | undefined)?.holder && answeringLeader(info)
  const where = holder
    ? `the leader ${[holder.hostname, holder.address].filter(Boolean).join(' ')} (epoch ${holder.epoch})`
    : 'no replica leads'
  return new EngineError(
    'ERR_API_UNAVAILABLE',
    `this replica is not the leader and ${where} did not run the forwarded cycle in time; it stays queued`,
    { data: { reason: 'forward-timeout', request: seq, ...(holder ? { leader: holder } : {}) } },
  )
}

export interface ServeDeps {
  readonly clock: Clock
  readonly leadership: Leadership
  /** Runs (or joins) a cycle of the local loop. */
  readonly runCycle: (trigger: string) => Promise<CycleResult>
  readonly logger: Pick<ReconcileLogger, 'warn'>
}

/** Leader side: until `signal` aborts, answers pending requests with one cycle each poll. */
export async function serveForwardedCycles(
  requests: CycleRequests,
  deps: ServeDeps,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await deps.clock.sleep(REQUEST_POLL_MS, signal)
    } catch {
      return
    }
    if (!deps.leadership.isLeader()) continue
    try {
      const upTo = await requests.fetchPending()
      // a trigger after the loop stopped would never resolve
      if (upTo === undefined || signal.aborted) continue
      const result = await deps.runCycle('forwarded')
      // stopping: leave the request to the next leader rather than answer "skipped"
      if (signal.aborted) return
      await requests.answer(upTo, { ...result, forwardedTo: answeringLeader(deps.leadership.leaderInfo?.()) })
    } catch (err) {
      // fenced or unreachable: the request stays pending for whoever leads
      deps.logger.warn({ err: (err as Error).message }, 'cannot answer a forwarded reconcile')
    }
  }
}
