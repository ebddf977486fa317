/**
 * Apply: one plan into the registration store, in one transaction, or a refusal that says why
 * (stale, another store, unmanaged, protected, too many deletions, empty target).
 */
import type { Clock } from '../core/clock.js'
import type { DeletionLimit } from '../model/types.js'
import type { Change, Plan } from '../plan/types.js'
import { StoreConflictError } from '../store/errors.js'
import type { RegistrationStore, StoreStats } from '../store/registration-store.js'
import { allowedDeletions } from './deletion-limit.js'
import {
  EmptyTargetError,
  PlanLineageMismatchError,
  PlanNotApplicableError,
  PlanStaleError,
  ProtectedDeleteError,
  TooManyDeletionsError,
  UnmanagedChangeError,
} from './errors.js'
import { auditChange, orderedChanges, writeForChange } from './plan-writes.js'

export interface ApplyOptions {
  /** Who applies: `os:<user>` or the caller's SPIFFE ID. */
  readonly actor: string
  /** SHA-256 of the plan as reviewed (the saved file's bytes), recorded in the audit log. */
  readonly planDigest: string
  /** Overrides `plan.safety.maxDeletions`. */
  readonly maxDeletions?: DeletionLimit
  /** Allow a plan that leaves no managed entries. */
  readonly allowEmpty?: boolean
  /** Allow deleting entries whose live row has `protect` (break-glass; the normal path is Git first). */
  readonly allowProtectedDelete?: boolean
  /** Progress inside the transaction (every 1,000 writes). */
  readonly onProgress?: (done: number, total: number) => void
}

export interface ApplyDeps {
  readonly clock: Clock
}

export interface ApplyResult {
  /** The store revision the plan was made against. */
  readonly baseRevision: number
  /** The revision after apply (= base when the plan had no changes). */
  readonly revision: number
  readonly created: number
  readonly updated: number
  readonly deleted: number
  /** Audit head row of the commit; undefined when nothing was committed. */
  readonly auditSeq?: number
}

const isEntryKind = (c: Change) => c.kind === 'Entry' || c.kind === 'Node'

/**
 * Applies `plan` to `store`: refuses (EngineError) before writing anything when the plan is stale or
 * unsafe, otherwise commits every change, a new revision and the audit rows in one transaction.
 * @example await applyPlan(store, plan, { actor: 'os:alice' }, { clock: systemClock })
 */
export async function applyPlan(
  store: RegistrationStore,
  plan: Plan,
  options: ApplyOptions,
  deps: ApplyDeps,
): Promise<ApplyResult> {
  if (plan.base.kind !== 'store') {
    throw new PlanNotApplicableError(
      `plan compares Git revisions (--base-ref ${plan.base.ref ?? ''}); it is a preview and cannot be applied; run sigil plan against a store`,
    )
  }
  const prefix = plan.safety.entryIdPrefix
  const stats = await store.fetchStats(prefix)
  checkBase(plan, stats)
  for (const c of plan.changes) {
    if (c.action !== 'create' && c.action !== 'update' && c.action !== 'delete') {
      throw new PlanNotApplicableError(`change ${c.kind} ${c.name} has unknown action ${String(c.action)}`)
    }
  }
  const counts = {
    created: plan.changes.filter((c) => c.action === 'create').length,
    updated: plan.changes.filter((c) => c.action === 'update').length,
    deleted: plan.changes.filter((c) => c.action === 'delete').length,
  }
  if (plan.changes.length === 0) return { baseRevision: stats.revision, revision: stats.revision, ...counts }
  await checkSafety(store, plan, stats, options)
  const changes = orderedChanges(plan)
  const writes = changes.map((c) => writeForChange(c, plan.source.commit))
  try {
    const committed = await store.commitChanges({
      base: { lineage: stats.lineage, revision: stats.revision },
      writes,
      atMs: deps.clock.now(),
      audit: {
        actor: options.actor,
        details: {
          source: plan.source,
          planDigest: options.planDigest,
          desiredDigest: plan.desiredDigest,
          baseRevision: stats.revision,
          summary: plan.summary,
          sigilVersion: plan.sigilVersion,
        },
        changes: changes.map(auditChange),
      },
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    })
    return {
      baseRevision: stats.revision,
      revision: committed.revision,
      auditSeq: committed.auditSeq,
      ...counts,
    }
  } catch (err) {
    // another apply committed between our read and our transaction: one wins, this one is stale
    if (err instanceof StoreConflictError && (err.reason === 'revision' || err.reason === 'lineage')) {
      const actual = (err.data['actual'] as { revision: number } | undefined)?.revision ?? -1
      throw new PlanStaleError(plan.base.revision, actual)
    }
    throw err
  }
}

function checkBase(plan: Plan, stats: StoreStats): void {
  if (plan.base.lineage !== stats.lineage)
    throw new PlanLineageMismatchError(plan.base.lineage, stats.lineage)
  if (plan.base.revision !== stats.revision) throw new PlanStaleError(plan.base.revision, stats.revision)
}

/**
 * The safety gates. Reads happen after the revision check and the commit re-checks the revision, so
 * they describe exactly the state the transaction writes over.
 */
async function checkSafety(
  store: RegistrationStore,
  plan: Plan,
  stats: StoreStats,
  options: ApplyOptions,
): Promise<void> {
  const prefix = plan.safety.entryIdPrefix
  const entryChanges = plan.changes.filter(isEntryKind)
  const unmanaged = entryChanges.filter((c) => !c.id?.startsWith(prefix)).map((c) => c.id ?? c.name)
  if (unmanaged.length > 0) throw new UnmanagedChangeError(unmanaged, prefix)

  const deletes = entryChanges.filter((c) => c.action === 'delete')
  if (!options.allowProtectedDelete) {
    const protectedOnes: { id: string; name: string }[] = []
    for (const c of deletes) {
      const live = await store.fetchEntry(c.id as string)
      // the live row decides, not the plan's copy of it: a plan file is not trusted to say "unprotected"
      if (live?.protect || c.before?.['protect'] === true)
        protectedOnes.push({ id: c.id as string, name: c.name })
    }
    if (protectedOnes.length > 0) throw new ProtectedDeleteError(protectedOnes)
  }

  const creates = entryChanges.filter((c) => c.action === 'create').length
  const remaining = stats.managedEntries - deletes.length + creates
  if (remaining === 0 && stats.managedEntries > 0 && !options.allowEmpty) {
    throw new EmptyTargetError(stats.managedEntries)
  }

  const limit = options.maxDeletions ?? plan.safety.maxDeletions
  const allowed = allowedDeletions(limit, stats.managedEntries)
  if (deletes.length > allowed)
    throw new TooManyDeletionsError(deletes.length, allowed, stats.managedEntries, limit)
}
