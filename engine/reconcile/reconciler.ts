/**
 * The reconciler of `sigil server` (SHELL): the loop, the cycle, the status record (kept in memory,
 * persisted through a ReconcileStateStore: files for one server, the database for replicas),
 * suspend/resume/now, metrics and logs, behind a leadership check the HA store plugs into.
 */
import { EngineError } from '../core/errors.js'
import type { ReconcileControl } from './control.js'
import { ReconcileCycle, type CycleResult } from './cycle.js'
import { toReconcileError } from './errors.js'
import { forwardCycle, serveForwardedCycles } from './forward.js'
import { ReconcileLoop } from './loop.js'
import { replicaView, type ReconcilerDeps, type ReconcileSettings } from './reconciler-deps.js'
import { isSuccess, logLine, nextStatus, recordMetrics } from './record.js'
import type { NowResult } from './state-store.js'
import { emptyStatus, statusWriteKey, type ReconcileStatus } from './status.js'

export {
  alwaysLeader,
  type Leadership,
  type ReconcileLogger,
  type ReconcilerDeps,
  type ReconcileSettings,
} from './reconciler-deps.js'

const SKIPPED: CycleResult = { result: 'skipped', cached: false }

/** The reconciler. Create with `openReconciler`, then `run(signal)`. */
export class Reconciler implements ReconcileControl {
  private state: ReconcileStatus
  private cycle: ReconcileCycle | undefined
  private readonly loop: ReconcileLoop<CycleResult> | undefined
  private writing: Promise<void> = Promise.resolve()
  private writtenKey = ''
  private succeeded = false
  /** Aborts when the server stops (ends a follower's wait for a forwarded cycle). */
  private stopping: AbortSignal | undefined
  /** The cycle's memory is this replica's own since it last became leader (else: restore it first). */
  private restoredAsLeader = false

  constructor(
    private readonly settings: ReconcileSettings,
    private readonly deps: ReconcilerDeps,
    restored: ReconcileStatus,
    private suspendedByCli: boolean,
  ) {
    this.state = this.localView(restored, deps.leadership.isLeader())
    const s = settings.source
    if (!s) {
      this.restoredAsLeader = true // no cycle, nothing another leader could have moved on
      return
    }
    if (!deps.source) throw new TypeError('a reconcile source is required with settings.source')
    this.cycle = this.makeCycle(restored)
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
    this.stopping = signal
    // a replica that just became leader reconciles at once instead of waiting for the interval
    const off = this.deps.leadership.onChange?.((leader) => {
      this.restoredAsLeader = false
      if (leader) this.trigger('leader')
    })
    const { requests } = this.deps.state
    const loop = this.loop
    const serving =
      requests && loop
        ? serveForwardedCycles(requests, { ...this.deps, runCycle: (t) => loop.trigger(t) }, signal)
        : undefined
    try {
      if (loop) await loop.run(signal)
    } finally {
      off?.()
      await serving
    }
    await this.writing
  }

  /** Asks for a cycle without waiting (webhook); a follower forwards it. False when suspended or no source. */
  trigger(reason: string): boolean {
    if (!this.loop || this.state.suspended) return false
    const { requests } = this.deps.state
    if (requests && !this.deps.leadership.isLeader()) {
      requests.request().catch((err: unknown) => {
        this.deps.logger.warn({ err: (err as Error).message, reason }, 'cannot forward a reconcile request')
      })
    } else void this.loop.trigger(reason)
    return true
  }

  async status(): Promise<ReconcileStatus> {
    const leader = this.deps.leadership.isLeader()
    this.deps.metrics.leader.set(leader ? 1 : 0)
    await this.refreshSuspend()
    // a leader that has not restored yet would show its stale view
    if (this.deps.state.shared && !(leader && this.restoredAsLeader)) await this.readShared(leader)
    const info = this.deps.leadership.leaderInfo?.()
    return { ...this.state, leader, ...(info ? { leaderInfo: info } : {}) }
  }

  async suspend(actor: string, reason?: string): Promise<ReconcileStatus> {
    await this.recordSuspend(true, actor, reason)
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
    await this.recordSuspend(false, actor)
    this.trigger('resume')
    return this.status()
  }

  async now(trigger = 'manual'): Promise<NowResult> {
    if (!this.loop) {
      throw new EngineError('ERR_API_INVALID_ARGUMENT', 'no git source is configured (source.git)', {
        data: { reason: 'no-source' },
      })
    }
    await this.refreshSuspend()
    if (this.state.suspended) {
      throw new EngineError(
        'ERR_API_INVALID_ARGUMENT',
        'reconcile is suspended; run sigil reconcile resume first',
        {
          data: { reason: 'suspended' },
        },
      )
    }
    const { requests } = this.deps.state
    if (requests && !this.deps.leadership.isLeader()) {
      return forwardCycle(requests, {
        clock: this.deps.clock,
        leaderInfo: () => this.deps.leadership.leaderInfo?.(),
        ...(this.stopping ? { signal: this.stopping } : {}),
      })
    }
    return this.loop.trigger(trigger)
  }

  /** Stores the flag where every replica reads it (a follower's choice binds the leader too). */
  private async recordSuspend(suspended: boolean, actor: string, reason?: string): Promise<void> {
    const why = reason ? { reason } : {}
    await this.deps.state.writeSuspend({ suspended, atMs: this.deps.clock.now(), actor, ...why })
    this.suspendedByCli = suspended
    this.setState({ ...this.state, ...this.suspendFields() })
    await this.writing
    this.deps.logger.info({ actor, ...why }, suspended ? 'reconcile suspended' : 'reconcile resumed')
  }

  private suspendFields(): Pick<ReconcileStatus, 'suspended' | 'suspendedByConfig'> {
    return {
      suspended: this.settings.suspend || this.suspendedByCli,
      ...(this.settings.suspend ? { suspendedByConfig: true } : {}),
    }
  }

  private localView(status: ReconcileStatus, leader: boolean): ReconcileStatus {
    return { ...replicaView(status, this.settings, leader), ...this.suspendFields() }
  }

  private makeCycle(restored: ReconcileStatus): ReconcileCycle {
    const { deps, settings } = this
    const la = restored.lastApplied
    return new ReconcileCycle(
      {
        clock: deps.clock,
        store: deps.store,
        source: deps.source!,
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
  }

  /** The suspend flag as stored now (another replica may have set it); on a read failure, the last known. */
  private async refreshSuspend(): Promise<void> {
    try {
      this.suspendedByCli = (await this.deps.state.fetchSuspend())?.suspended ?? false
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'cannot read the reconcile suspend flag')
    }
    this.setState({ ...this.state, ...this.suspendFields() })
  }

  /** A follower's view: the leader's record as last read (kept when the read fails). */
  private async readShared(leader: boolean): Promise<void> {
    try {
      const shared = await this.deps.state.fetchStatus()
      if (shared) this.state = this.localView(shared, leader)
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'cannot read the shared reconcile status')
    }
  }

  /**
   * A replica that (re)gains leadership continues from the stored status, not from what it knew
   * before: another leader may have applied since, and without its applied commit every change
   * would look like Git's own (drift neither reported nor told apart). Undefined when restored.
   */
  private async restoreAsLeader(): Promise<CycleResult | undefined> {
    if (this.restoredAsLeader) return undefined
    try {
      await this.writing
      const stored = (await this.deps.state.fetchStatus()) ?? emptyStatus(this.settings.mode)
      this.state = this.localView(stored, true)
      this.writtenKey = statusWriteKey(this.state)
      if (this.cycle) this.cycle = this.makeCycle(stored)
      this.restoredAsLeader = true
      return undefined
    } catch (err) {
      return { result: 'failed', error: toReconcileError(err), cached: false }
    }
  }

  private async runCycle(trigger: string): Promise<CycleResult> {
    const { clock, metrics, logger } = this.deps
    const leader = this.deps.leadership.isLeader()
    if (!leader) this.restoredAsLeader = false
    const restoreFailure = leader ? await this.restoreAsLeader() : undefined
    await this.refreshSuspend()
    metrics.leader.set(leader ? 1 : 0)
    metrics.suspended.set(this.state.suspended ? 1 : 0)
    if (this.state.suspended || !leader || !this.cycle) {
      metrics.reconcileTotal.inc({ result: 'skipped' })
      // a follower keeps following the leader's record (and its readiness with it)
      if (!leader && this.deps.state.shared) await this.readShared(false)
      this.state = { ...this.state, leader }
      return SKIPPED
    }
    const startMs = clock.now()
    const result = restoreFailure ?? (await this.cycle.run())
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

  /**
   * Keeps `next` and, while leading (the record is the leader's) and once restored (never over the
   * stored record with a stale view), persists it when more than the attempt timestamps changed.
   */
  private setState(next: ReconcileStatus): void {
    this.state = next
    if (!this.deps.leadership.isLeader() || !this.restoredAsLeader) return
    const key = statusWriteKey(next)
    if (key === this.writtenKey) return
    this.writtenKey = key
    this.writing = this.writing
      .then(() => this.deps.state.writeStatus(next))
      .catch((err: unknown) =>
        this.deps.logger.warn({ err: (err as Error).message }, 'cannot write the reconcile status'),
      )
  }
}

/** Restores status and the suspend flag from the state store and builds the reconciler. */
export async function openReconciler(settings: ReconcileSettings, deps: ReconcilerDeps): Promise<Reconciler> {
  const restored = (await deps.state.fetchStatus()) ?? emptyStatus(settings.mode)
  const suspend = await deps.state.fetchSuspend()
  // the status of a previous run is history, not the present: these are recomputed
  const fresh: ReconcileStatus = { ...restored, mode: settings.mode, leader: false }
  return new Reconciler(settings, deps, fresh, suspend?.suspended ?? false)
}
