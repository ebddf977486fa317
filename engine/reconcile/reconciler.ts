/**
 * The reconciler of `sigil server` (SHELL): the loop, the cycle, the status record (kept in memory,
 * persisted in the data directory), suspend/resume/now, metrics and logs, behind a leadership check
 * the HA store plugs into.
 */
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import type { Random } from '../core/random.js'
import type { PolicyObject } from '../model/types.js'
import type { RegistrationStore } from '../store/registration-store.js'
import { redactUrl } from '../source/git-exec.js'
import type { ReconcileControl } from './control.js'
import { ReconcileCycle, type CycleResult, type ReconcileSource } from './cycle.js'
import { ReconcileLoop } from './loop.js'
import type { ServerMetrics } from './metrics.js'
import { isSuccess, logLine, nextStatus, recordMetrics } from './record.js'
import {
  emptyStatus,
  readStatusFile,
  readSuspendFile,
  statusWriteKey,
  writeStatusFile,
  writeSuspendFile,
  type ReconcileStatus,
} from './status.js'

/** "May I reconcile?" — leader election (engine/ha/) plugs in here. */
export interface Leadership {
  isLeader(): boolean
  /** Who leads, for `sigil status` (shown as given). */
  leaderInfo?(): object
  /** Calls `fn` when `isLeader()` changes; returns the unsubscribe function. */
  onChange?(fn: (isLeader: boolean) => void): () => void
}

/** A single server is always the leader. */
export const alwaysLeader: Leadership = { isLeader: () => true }

/** The reconcile part of the server configuration (resolved). */
export interface ReconcileSettings {
  readonly mode: 'apply' | 'warn'
  readonly suspend: boolean
  /** undefined: no Git source; the server serves whatever the store holds. */
  readonly source?: {
    readonly url: string
    readonly ref?: string
    readonly path?: string
    readonly intervalMs: number
  }
}

export interface ReconcileLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

export interface ReconcilerDeps {
  readonly clock: Clock
  readonly random: Random
  readonly logger: ReconcileLogger
  readonly store: RegistrationStore
  readonly dataDir: string
  readonly metrics: ServerMetrics
  readonly leadership: Leadership
  /** Required with `settings.source`. */
  readonly source?: ReconcileSource
  readonly builtinPolicies: readonly PolicyObject[]
  readonly sigilVersion: string
  /** After a commit to the store (push the new entries to agents at once). */
  readonly onApplied?: () => void
}

const SKIPPED: CycleResult = { result: 'skipped', cached: false }

/** The reconciler. Create with `openReconciler`, then `run(signal)`. */
export class Reconciler implements ReconcileControl {
  private state: ReconcileStatus
  private readonly cycle: ReconcileCycle | undefined
  private readonly loop: ReconcileLoop<CycleResult> | undefined
  private writing: Promise<void> = Promise.resolve()
  private writtenKey = ''
  private succeeded = false

  constructor(
    private readonly settings: ReconcileSettings,
    private readonly deps: ReconcilerDeps,
    restored: ReconcileStatus,
    private suspendedByCli: boolean,
  ) {
    const s = settings.source
    this.state = {
      ...restored,
      mode: settings.mode,
      leader: deps.leadership.isLeader(),
      ...(s
        ? {
            source: {
              url: redactUrl(s.url),
              ...(s.ref ? { ref: s.ref } : {}),
              ...(s.path ? { path: s.path } : {}),
            },
          }
        : {}),
    }
    this.state = { ...this.state, ...this.suspendFields() }
    if (!s) return
    if (!deps.source) throw new TypeError('a reconcile source is required with settings.source')
    const la = restored.lastApplied
    this.cycle = new ReconcileCycle(
      {
        clock: deps.clock,
        store: deps.store,
        source: deps.source,
        builtinPolicies: deps.builtinPolicies,
        mode: settings.mode,
        actor: 'sigil:reconciler',
        sigilVersion: deps.sigilVersion,
        isLeader: () => deps.leadership.isLeader(),
      },
      {
        ...(la?.lineage !== undefined ? { applied: la } : {}),
        driftPending: restored.drift.detected,
      },
    )
    this.loop = new ReconcileLoop({
      clock: deps.clock,
      random: deps.random,
      intervalMs: s.intervalMs,
      runCycle: (trigger) => this.runCycle(trigger),
      stopped: SKIPPED,
    })
    deps.metrics.suspended.set(this.state.suspended ? 1 : 0)
  }

  /** Ready: no source configured, or a good state is in force (a cycle succeeded, or a restored applied commit). */
  get ready(): boolean {
    return !this.settings.source || this.succeeded || this.state.lastApplied !== undefined
  }

  /** Runs the loop until `signal` aborts (returns at once without a source). */
  async run(signal: AbortSignal): Promise<void> {
    // a replica that just became leader reconciles at once instead of waiting for the interval
    const off = this.deps.leadership.onChange?.((leader) => {
      if (leader) this.trigger('leader')
    })
    try {
      if (this.loop) await this.loop.run(signal)
    } finally {
      off?.()
    }
    await this.writing
  }

  /** Asks for a cycle without waiting (webhook). False when suspended or no source is configured. */
  trigger(reason: string): boolean {
    if (!this.loop || this.state.suspended) return false
    void this.loop.trigger(reason)
    return true
  }

  async status(): Promise<ReconcileStatus> {
    const leader = this.deps.leadership.isLeader()
    this.deps.metrics.leader.set(leader ? 1 : 0)
    const info = this.deps.leadership.leaderInfo?.()
    return { ...this.state, leader, ...(info ? { leaderInfo: info } : {}) }
  }

  async suspend(actor: string, reason?: string): Promise<ReconcileStatus> {
    await writeSuspendFile(this.deps.dataDir, {
      suspended: true,
      atMs: this.deps.clock.now(),
      actor,
      ...(reason ? { reason } : {}),
    })
    this.suspendedByCli = true
    this.setState({ ...this.state, ...this.suspendFields() })
    await this.writing
    this.deps.logger.info({ actor, ...(reason ? { reason } : {}) }, 'reconcile suspended')
    return this.status()
  }

  async resume(actor: string): Promise<ReconcileStatus> {
    if (this.settings.suspend) {
      throw new EngineError(
        'ERR_CONFIG_INVALID',
        'reconcile is suspended by the configuration file (reconcile.suspend: true); change it and restart',
        { data: { problems: ['reconcile.suspend'], reason: 'suspended-by-config' } },
      )
    }
    await writeSuspendFile(this.deps.dataDir, { suspended: false, atMs: this.deps.clock.now(), actor })
    this.suspendedByCli = false
    this.setState({ ...this.state, ...this.suspendFields() })
    await this.writing
    this.deps.logger.info({ actor }, 'reconcile resumed')
    void this.loop?.trigger('resume')
    return this.status()
  }

  async now(trigger = 'manual'): Promise<CycleResult> {
    if (!this.loop) {
      throw new EngineError('ERR_API_INVALID_ARGUMENT', 'no git source is configured (source.git)', {
        data: { reason: 'no-source' },
      })
    }
    if (this.state.suspended) {
      throw new EngineError(
        'ERR_API_INVALID_ARGUMENT',
        'reconcile is suspended; run sigil reconcile resume first',
        {
          data: { reason: 'suspended' },
        },
      )
    }
    return this.loop.trigger(trigger)
  }

  private suspendFields(): Pick<ReconcileStatus, 'suspended' | 'suspendedByConfig'> {
    return {
      suspended: this.settings.suspend || this.suspendedByCli,
      ...(this.settings.suspend ? { suspendedByConfig: true } : {}),
    }
  }

  private async runCycle(trigger: string): Promise<CycleResult> {
    const { clock, metrics, logger } = this.deps
    const leader = this.deps.leadership.isLeader()
    metrics.leader.set(leader ? 1 : 0)
    metrics.suspended.set(this.state.suspended ? 1 : 0)
    if (this.state.suspended || !leader || !this.cycle) {
      metrics.reconcileTotal.inc({ result: 'skipped' })
      this.state = { ...this.state, leader }
      return SKIPPED
    }
    const startMs = clock.now()
    const result = await this.cycle.run()
    const endMs = clock.now()
    const prev = this.state
    const next = { ...nextStatus(prev, result, { startMs, endMs, trigger }), leader }
    this.setState(next)
    if (isSuccess(result)) this.succeeded = true
    recordMetrics(metrics, result, next, endMs - startMs)
    const line = logLine(result, prev)
    logger[line.level]({ ...line.fields, trigger, durationMs: endMs - startMs }, line.msg)
    if (result.result !== 'skipped' && !result.cached && result.changes) {
      const c = result.changes
      if (c.create + c.update + c.delete > 0) this.deps.onApplied?.()
    }
    return result
  }

  /** Keeps `next` and persists it when more than the attempt timestamps changed (no-change cycles stay cheap). */
  private setState(next: ReconcileStatus): void {
    this.state = next
    const key = statusWriteKey(next)
    if (key === this.writtenKey) return
    this.writtenKey = key
    this.writing = this.writing
      .then(() => writeStatusFile(this.deps.dataDir, next))
      .catch((err: unknown) =>
        this.deps.logger.warn({ err: (err as Error).message }, 'cannot write the reconcile status file'),
      )
  }
}

/** Restores status and the suspend flag from the data directory and builds the reconciler. */
export async function openReconciler(settings: ReconcileSettings, deps: ReconcilerDeps): Promise<Reconciler> {
  const restored = (await readStatusFile(deps.dataDir)) ?? emptyStatus(settings.mode)
  const suspend = await readSuspendFile(deps.dataDir)
  // the status of a previous run is history, not the present: these are recomputed
  const fresh: ReconcileStatus = { ...restored, mode: settings.mode, leader: false }
  return new Reconciler(settings, deps, fresh, suspend?.suspended ?? false)
}
