/** Refusals of apply: each says why and what to do, with the figures in `data`. */
import { EngineError } from '../core/errors.js'
import type { DeletionLimit } from '../model/types.js'

/** The store moved since the plan was made (Terraform's "saved plan is stale"). */
export class PlanStaleError extends EngineError {
  override readonly code = 'ERR_PLAN_STALE'
  constructor(
    readonly plannedRevision: number,
    readonly currentRevision: number,
  ) {
    super(
      'ERR_PLAN_STALE',
      `plan base revision ${plannedRevision} is behind store revision ${currentRevision}: the store changed since the plan was made; run sigil plan again and review the new plan`,
      { data: { plannedRevision, currentRevision } },
    )
  }
}

/** The plan was made against another store (or the store was recreated since). */
export class PlanLineageMismatchError extends EngineError {
  override readonly code = 'ERR_PLAN_LINEAGE_MISMATCH'
  constructor(
    readonly plannedLineage: string,
    readonly currentLineage: string,
  ) {
    super(
      'ERR_PLAN_LINEAGE_MISMATCH',
      `plan was made against store lineage ${plannedLineage || '(none)'} but this store is ${currentLineage}; run sigil plan against this store`,
      { data: { plannedLineage, currentLineage } },
    )
  }
}

/** The plan cannot be applied as it is (a --base-ref preview, or a malformed change). */
export class PlanNotApplicableError extends EngineError {
  override readonly code = 'ERR_PLAN_INVALID_INPUT'
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('ERR_PLAN_INVALID_INPUT', message, { data })
  }
}

/** More entry deletions than `safety.maxDeletions` allows. */
export class TooManyDeletionsError extends EngineError {
  override readonly code = 'ERR_APPLY_TOO_MANY_DELETIONS'
  constructor(deletions: number, allowed: number, managed: number, limit: DeletionLimit) {
    const shown =
      limit.kind === 'percent' ? `${limit.value}% of ${managed} managed entries` : `${limit.value}`
    super(
      'ERR_APPLY_TOO_MANY_DELETIONS',
      `plan deletes ${deletions} entries but at most ${allowed} may be deleted (${shown}); check the plan, then raise the limit with --max-deletions ${deletions} or safety.maxDeletions`,
      { data: { deletions, allowed, managed, limit } },
    )
  }
}

/** The plan would leave the store with no managed entries. */
export class EmptyTargetError extends EngineError {
  override readonly code = 'ERR_APPLY_EMPTY_TARGET'
  constructor(managed: number) {
    super(
      'ERR_APPLY_EMPTY_TARGET',
      `plan deletes all ${managed} managed entries and leaves none; if that is intended, apply with --allow-empty`,
      { data: { managed } },
    )
  }
}

/** The plan deletes entries marked `protect` in the store. */
export class ProtectedDeleteError extends EngineError {
  override readonly code = 'ERR_APPLY_PROTECTED'
  constructor(readonly entries: readonly { readonly id: string; readonly name: string }[]) {
    super(
      'ERR_APPLY_PROTECTED',
      `plan deletes ${entries.length} protected ${entries.length === 1 ? 'entry' : 'entries'} (${entries
        .slice(0, 5)
        .map((e) => e.name || e.id)
        .join(
          ', ',
        )}${entries.length > 5 ? ', …' : ''}); remove protect: true in Git and apply that first, then delete`,
      { data: { entries } },
    )
  }
}

/** The plan changes entries outside the ownership prefix. */
export class UnmanagedChangeError extends EngineError {
  override readonly code = 'ERR_APPLY_UNMANAGED'
  constructor(
    readonly ids: readonly string[],
    prefix: string,
  ) {
    super(
      'ERR_APPLY_UNMANAGED',
      `plan changes ${ids.length} entries whose id lacks the ownership prefix ${JSON.stringify(prefix)} (${ids
        .slice(0, 5)
        .join(', ')}); sigil never changes unmanaged entries; the plan file was edited or is corrupt`,
      { data: { ids, prefix } },
    )
  }
}

/** Apply without a saved plan needs a yes on a terminal, or --auto-approve. */
export class NotConfirmedError extends EngineError {
  override readonly code = 'ERR_APPLY_NOT_CONFIRMED'
  constructor(interactive: boolean) {
    super(
      'ERR_APPLY_NOT_CONFIRMED',
      interactive
        ? 'apply cancelled; nothing was changed'
        : 'apply needs confirmation but stdin is not a terminal; review the plan and pass --auto-approve, or apply a saved plan',
      { data: { interactive } },
    )
  }
}
