/**
 * One reconcile cycle (SHELL): fetch → lint/policy → plan → safety gates → apply (or report), as a
 * CycleResult value. A failure anywhere keeps the last applied commit in force; an unchanged source
 * head and store revision skip lint and plan entirely.
 */
import { applyPlan } from '../apply/apply-plan.js'
import type { Clock } from '../core/clock.js'
import { hasErrors } from '../core/diagnostics.js'
import { sha256Hex } from '../core/digest.js'
import { isEngineError } from '../core/errors.js'
import type { DesiredState, PolicyObject, SourceSnapshot } from '../model/types.js'
import { encodePlan } from '../plan/codec.js'
import { makePlan } from '../plan/make-plan.js'
import { PlanMemo } from '../plan/plan-memo.js'
import type { Change, LiveState, Plan } from '../plan/types.js'
import { LiveStateCache, liveStats } from '../store/live-state-cache.js'
import type { RegistrationStore, StoreRevision } from '../store/registration-store.js'
import { checkRepository, RepositoryChecker } from '../validate/check-repository.js'
import { describeDrift, driftChanges, withoutChanges } from './drift.js'
import { toReconcileError, lintError } from './errors.js'
import type { CycleOutcome, DriftChange, ReconcileError } from './status.js'

/** The Git source as the cycle uses it (engine/reconcile/git-reader.ts). */
export interface ReconcileSource {
  /** The commit the configured ref names on the remote now; undefined when only a fetch can tell. */
  headCommit(): Promise<string | undefined>
  /** Fetches and reads the head (verified when configured); `lastCommit` guards against rewritten history. */
  load(lastCommit: string | undefined): Promise<SourceSnapshot & { readonly commit: string }>
  /** Reads a commit already in the cache (the one applied last). */
  loadCommit(commit: string): Promise<SourceSnapshot>
}

export interface CycleDeps {
  readonly clock: Clock
  readonly store: RegistrationStore
  readonly source: ReconcileSource
  readonly builtinPolicies: readonly PolicyObject[]
  readonly mode: 'apply' | 'warn'
  /** Audit actor of the reconciler's commits. */
  readonly actor: string
  readonly sigilVersion: string
  /** Re-checked right before writing: a replica that lost leadership never commits. */
  readonly isLeader: () => boolean
}

/** The commit in force. */
export interface AppliedCommit {
  readonly commit: string
  readonly atMs: number
  readonly lineage: string
  readonly revision: number
}

/** What one cycle did. `drift`/`counts` undefined: not evaluated (cached cycle keeps the previous). */
export interface CycleResult {
  readonly result: CycleOutcome
  readonly commit?: string
  readonly error?: ReconcileError
  /** Set when this cycle committed changes or found the store already in sync with `commit`. */
  readonly applied?: AppliedCommit
  readonly changes?: { readonly create: number; readonly update: number; readonly delete: number }
  readonly drift?: {
    readonly detected: boolean
    readonly reverted: boolean
    readonly total: number
    readonly changes: readonly DriftChange[]
  }
  readonly counts?: { readonly desired: number; readonly live: number; readonly unmanaged: number }
  readonly store?: StoreRevision
  /** Lint and plan were skipped: same head commit and store revision as the last evaluation. */
  readonly cached: boolean
}

const REFUSALS = new Set([
  'ERR_APPLY_TOO_MANY_DELETIONS',
  'ERR_APPLY_EMPTY_TARGET',
  'ERR_APPLY_PROTECTED',
  'ERR_APPLY_UNMANAGED',
])

const countChanges = (changes: readonly Change[]) => ({
  create: changes.filter((c) => c.action === 'create').length,
  update: changes.filter((c) => c.action === 'update').length,
  delete: changes.filter((c) => c.action === 'delete').length,
})

const sameRevision = (a: StoreRevision, b: StoreRevision) =>
  a.lineage === b.lineage && a.revision === b.revision

/** The reconcile cycle and what it remembers between runs (in memory; the status file holds the rest). */
export class ReconcileCycle {
  private seen: { commit: string; store: StoreRevision; result: CycleResult } | undefined
  private applied: AppliedCommit | undefined
  /** Repository URL and path of the applied commit (for the audit record of a drift revert). */
  private appliedSource: { repo: string; path: string } | undefined
  /** Warn mode found drift and left it: the store revision no longer proves the store is in sync. */
  private driftPending: boolean
  /** The live state of the last plan, caught up with the store's changes instead of read again. */
  private readonly live: LiveStateCache
  /** Lints the source head again with what its unchanged files gave last time. */
  private readonly checker = new RepositoryChecker()
  /** Records (and their JSON) of the desired objects the checker kept. */
  private readonly planMemo = new PlanMemo()

  constructor(
    private readonly deps: CycleDeps,
    restored?: { readonly applied?: AppliedCommit; readonly driftPending?: boolean },
  ) {
    this.applied = restored?.applied
    this.driftPending = restored?.driftPending ?? false
    this.live = new LiveStateCache(deps.store)
  }

  /** The commit in force, if any. */
  get lastApplied(): AppliedCommit | undefined {
    return this.applied
  }

  /** Runs one cycle; never throws for source, lint, plan or store problems (they become the result). */
  async run(): Promise<CycleResult> {
    let commit: string | undefined
    try {
      const revision = await this.deps.store.fetchRevision()
      commit = await this.deps.source.headCommit()
      const cached = this.cachedResult(commit, revision)
      if (cached) return cached
      const snapshot = await this.deps.source.load(this.applied?.commit)
      commit = snapshot.commit
      const again = this.cachedResult(commit, revision)
      if (again) return again
      const result = await this.keepApplied(await this.evaluate(snapshot))
      this.seen = { commit, store: result.store ?? revision, result }
      return result
    } catch (err) {
      // unreachable or unverifiable sources are not remembered: the next cycle tries again
      return this.keepApplied(this.failed(commit, toReconcileError(err)))
    }
  }

  /**
   * The head cannot be applied, so the last applied commit stays in force: drift from it is still
   * reverted (apply) or reported (warn), read from the Git cache, so this works offline too.
   */
  private async keepApplied(result: CycleResult): Promise<CycleResult> {
    const applied = this.applied
    if ((result.result !== 'failed' && result.result !== 'refused') || !applied) return result
    try {
      const { live } = await this.live.read()
      if (live.lineage !== applied.lineage) return result
      if (live.revision === applied.revision && !this.driftPending) return result
      const desired = await this.desiredOf(applied.commit)
      if (!desired) return result
      const source = { repo: '', path: '', ...this.appliedSource, commit: applied.commit, files: [] }
      const plan = this.plan(desired, live, source, [])
      const revert = this.deps.mode === 'apply' && plan.changes.length > 0 && this.deps.isLeader()
      let revision = live.revision
      if (revert) {
        const done = await applyPlan(
          this.deps.store,
          plan,
          { actor: this.deps.actor, planDigest: sha256Hex(encodePlan(plan)) },
          { clock: this.deps.clock },
        )
        revision = done.revision
      }
      this.applied = { ...applied, revision }
      this.driftPending = plan.changes.length > 0 && !revert
      const drift = { detected: plan.changes.length > 0, reverted: revert, total: plan.changes.length }
      return {
        ...result,
        drift: { ...drift, changes: describeDrift(plan.changes) },
        ...(revert ? { changes: countChanges(plan.changes) } : {}),
        store: { lineage: live.lineage, revision },
      }
    } catch {
      return result // the drift check is best effort; the failure that brought us here is what counts
    }
  }

  private cachedResult(commit: string | undefined, revision: StoreRevision): CycleResult | undefined {
    const seen = this.seen
    if (!seen || commit === undefined || seen.commit !== commit || !sameRevision(seen.store, revision))
      return undefined
    const { changes: _changes, ...rest } = seen.result
    // a commit that was applied is now simply in force
    return { ...rest, result: rest.result === 'applied' ? 'unchanged' : rest.result, cached: true }
  }

  private failed(commit: string | undefined, error: ReconcileError, extra: Partial<CycleResult> = {}) {
    const result = REFUSALS.has(error.code) ? 'refused' : 'failed'
    return { result, error, cached: false, ...(commit ? { commit } : {}), ...extra } as CycleResult
  }

  private async evaluate(snapshot: SourceSnapshot & { commit: string }): Promise<CycleResult> {
    const { commit } = snapshot
    const checked = this.checker.check(snapshot, {
      builtinPolicies: this.deps.builtinPolicies,
      todayMs: this.deps.clock.now(),
    })
    if (hasErrors(checked.diagnostics)) return this.failed(commit, lintError(checked.diagnostics))
    const desired = checked.desired
    const warnings = checked.diagnostics
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.planAndApply(snapshot, desired, warnings)
      } catch (err) {
        // another writer committed between our read and our transaction: plan once more on the new state
        if (attempt === 0 && isEngineError(err, 'ERR_PLAN_STALE')) continue
        return this.failed(commit, toReconcileError(err))
      }
    }
  }

  private plan(
    desired: DesiredState,
    live: LiveState,
    snapshot: SourceSnapshot,
    warnings: Plan['diagnostics'],
  ): Plan {
    const meta = {
      createdAtMs: this.deps.clock.now(),
      sigilVersion: this.deps.sigilVersion,
      source: { repo: snapshot.repo, commit: snapshot.commit ?? '', path: snapshot.path },
      diagnostics: warnings,
    }
    return makePlan(desired, live, meta, this.planMemo)
  }

  private async planAndApply(
    snapshot: SourceSnapshot & { commit: string },
    desired: DesiredState,
    warnings: Plan['diagnostics'],
  ): Promise<CycleResult> {
    const { store, clock, mode } = this.deps
    const { live } = await this.live.read()
    const plan = this.plan(desired, live, snapshot, warnings)
    const drift = await this.findDrift(plan, live, snapshot.commit)
    const toApply = mode === 'apply' ? plan : withoutChanges(plan, drift)
    const driftInfo = {
      detected: drift.length > 0,
      reverted: mode === 'apply' && drift.length > 0,
      total: drift.length,
      changes: describeDrift(drift),
    }
    let revision: StoreRevision = { lineage: live.lineage, revision: live.revision }
    let after: LiveState | undefined = live
    const counted = { create: 0, update: 0, delete: 0 }
    if (toApply.changes.length > 0) {
      if (!this.deps.isLeader()) return { result: 'skipped', commit: snapshot.commit, cached: false }
      const done = await applyPlan(
        store,
        toApply,
        { actor: this.deps.actor, planDigest: sha256Hex(encodePlan(toApply)) },
        { clock },
      )
      revision = { lineage: live.lineage, revision: done.revision }
      Object.assign(counted, { create: done.created, update: done.updated, delete: done.deleted })
      // catch the kept live state up with this commit while its rows are hot: the next plan then
      // reads only what changed after it (a failure here only defers that read)
      const caught = await this.live.read().catch(() => undefined)
      after = caught?.live
      // what this commit wrote: the next plan need not compare those entries again
      if (caught?.delta) this.planMemo.learnApplied(caught.delta.changes.entries)
    }
    const unchanged = toApply.changes.length === 0 && this.applied?.commit === snapshot.commit
    this.applied = {
      commit: snapshot.commit,
      atMs: unchanged ? this.applied!.atMs : clock.now(),
      ...revision,
    }
    this.appliedSource = { repo: snapshot.repo, path: snapshot.path }
    this.driftPending = mode === 'warn' && drift.length > 0
    const prefix = plan.safety.entryIdPrefix
    const stats =
      after && sameRevision(after, revision) ? liveStats(after, prefix) : await store.fetchStats(prefix)
    const result: CycleOutcome =
      mode === 'warn' && drift.length > 0
        ? 'drift_reported'
        : toApply.changes.length > 0
          ? 'applied'
          : 'unchanged'
    return {
      result,
      commit: snapshot.commit,
      applied: this.applied,
      changes: counted,
      drift: driftInfo,
      counts: {
        desired: desired.entries.length + desired.nodes.length,
        live: stats.managedEntries,
        unmanaged: stats.unmanagedEntries,
      },
      store: { lineage: stats.lineage, revision: stats.revision },
      cached: false,
    }
  }

  /** The drift among `plan`'s changes (see drift.ts); none when the store did not move since our apply. */
  private async findDrift(plan: Plan, live: LiveState, commit: string): Promise<Change[]> {
    const applied = this.applied
    if (!applied || plan.changes.length === 0) return []
    if (applied.lineage !== live.lineage) return [] // another store: nothing of ours to drift from
    if (applied.revision === live.revision && !this.driftPending) return []
    if (applied.commit === commit) return [...plan.changes]
    const previous = await this.desiredOf(applied.commit)
    if (!previous) return []
    const snapshot = { repo: plan.source.repo, commit: applied.commit, path: plan.source.path, files: [] }
    return driftChanges(plan, this.plan(previous, live, snapshot, []))
  }

  private async desiredOf(commit: string): Promise<DesiredState | undefined> {
    // the applied commit, checked on its own: sharing the head's checker would evict the head's files
    try {
      const checked = checkRepository(await this.deps.source.loadCommit(commit), {
        builtinPolicies: this.deps.builtinPolicies,
        todayMs: this.deps.clock.now(),
      })
      return hasErrors(checked.diagnostics) ? undefined : checked.desired
    } catch {
      return undefined // the cache lost the commit: treat every change as Git's own
    }
  }
}
