/** Folding a cycle's result into the status record and the metrics; the log line it deserves. */
import type { CycleResult } from './cycle.js'
import type { ServerMetrics } from './metrics.js'
import type { ReconcileStatus } from './status.js'

const SUCCESS = new Set(['applied', 'unchanged', 'drift_reported'])

/** True for outcomes that leave the store as Git (and the mode) asks. */
export function isSuccess(result: CycleResult): boolean {
  return SUCCESS.has(result.result)
}

/** The status after `result` (started at `startMs`, ended at `endMs`). */
export function nextStatus(
  prev: ReconcileStatus,
  result: CycleResult,
  at: { readonly startMs: number; readonly endMs: number; readonly trigger: string },
): ReconcileStatus {
  const drift = result.drift
    ? {
        detected: result.drift.detected && !result.drift.reverted,
        ...(result.drift.detected ? { atMs: at.endMs, reverted: result.drift.reverted } : pick(prev.drift)),
        total: result.drift.detected ? result.drift.total : prev.drift.reverted ? prev.drift.total : 0,
        changes: result.drift.detected ? result.drift.changes : prev.drift.reverted ? prev.drift.changes : [],
      }
    : prev.drift
  const counts = result.counts
    ? { ...result.counts, drifted: drift.detected ? drift.total : 0 }
    : { ...prev.counts, drifted: drift.detected ? drift.total : 0 }
  return {
    ...prev,
    ...(result.applied
      ? {
          lastApplied: {
            commit: result.applied.commit,
            atMs: result.applied.atMs,
            revision: result.applied.revision,
            lineage: result.applied.lineage,
          },
        }
      : {}),
    lastAttempt: {
      ...(result.commit ? { commit: result.commit } : {}),
      atMs: at.startMs,
      durationMs: at.endMs - at.startMs,
      trigger: at.trigger,
      result: result.result,
      ...(result.error ? { error: result.error } : {}),
    },
    ...(isSuccess(result) ? { lastSuccessAtMs: at.endMs } : {}),
    drift,
    counts,
    ...(result.store ? { store: result.store } : {}),
  }
}

function pick(d: ReconcileStatus['drift']): { atMs?: number; reverted?: boolean } {
  return { ...(d.atMs === undefined ? {} : { atMs: d.atMs }), ...(d.reverted ? { reverted: true } : {}) }
}

/** Updates every reconcile metric for one finished cycle. */
export function recordMetrics(
  metrics: ServerMetrics,
  result: CycleResult,
  status: ReconcileStatus,
  durationMs: number,
): void {
  metrics.reconcileTotal.inc({ result: result.result })
  metrics.reconcileDuration.observe({ result: result.result }, durationMs / 1000)
  if (status.lastAttempt) metrics.lastAttempt.set(status.lastAttempt.atMs / 1000)
  if (status.lastSuccessAtMs !== undefined) metrics.lastSuccess.set(status.lastSuccessAtMs / 1000)
  if (result.result === 'failed' && result.error) metrics.reconcileFailures.inc({ code: result.error.code })
  if (result.result === 'refused' && result.error) metrics.refusals.inc({ code: result.error.code })
  for (const state of ['desired', 'live', 'unmanaged', 'drifted'] as const)
    metrics.entries.set({ state }, status.counts[state])
  metrics.driftDetected.set(status.drift.detected ? 1 : 0)
  if (result.cached) return
  if (result.drift?.detected)
    metrics.driftFound.inc({ action: result.drift.reverted ? 'reverted' : 'reported' }, result.drift.total)
  const c = result.changes
  if (c && c.create + c.update + c.delete > 0) {
    metrics.applies.inc({
      trigger:
        result.drift?.reverted && c.create + c.update + c.delete === result.drift.total ? 'drift' : 'commit',
    })
    for (const action of ['create', 'update', 'delete'] as const)
      if (c[action] > 0) metrics.appliedChanges.inc({ action }, c[action])
  }
}

/** The log line of a cycle: level, fields (IDs and codes in fields, never secrets) and message. */
export function logLine(
  result: CycleResult,
  prev: ReconcileStatus,
): { level: 'info' | 'warn' | 'debug'; fields: Record<string, unknown>; msg: string } {
  const fields: Record<string, unknown> = {
    result: result.result,
    ...(result.commit ? { commit: result.commit } : {}),
  }
  if (result.error) {
    const repeated =
      result.cached &&
      prev.lastAttempt?.error?.code === result.error.code &&
      prev.lastAttempt.commit === result.commit
    const kept = prev.lastApplied?.commit
    return {
      level: repeated ? 'debug' : 'warn',
      fields: {
        ...fields,
        code: result.error.code,
        error: result.error.message,
        ...(kept ? { keptCommit: kept } : {}),
      },
      msg:
        result.result === 'refused'
          ? 'reconcile refused by a safety gate; last applied commit kept'
          : 'reconcile failed; last applied commit kept',
    }
  }
  if (result.result === 'applied' && !result.cached)
    return {
      level: 'info',
      fields: {
        ...fields,
        ...result.changes,
        revision: result.store?.revision,
        driftReverted: result.drift?.total ?? 0,
      },
      msg: 'reconcile applied',
    }
  if (result.result === 'drift_reported' && !result.cached)
    return {
      level: 'warn',
      fields: { ...fields, drifted: result.drift?.total ?? 0 },
      msg: 'drift detected; warn mode leaves it in place',
    }
  return { level: 'debug', fields: { ...fields, cached: result.cached }, msg: 'reconcile cycle' }
}
