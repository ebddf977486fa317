/** The body of `sigil apply` (loaded on demand). */
import { readFileSync, statSync } from 'node:fs'
import { applyPlan, type ApplyOptions, type ApplyResult } from '../../apply/apply-plan.js'
import { NotConfirmedError } from '../../apply/errors.js'
import { sha256Hex } from '../../core/digest.js'
import type { DeletionLimit } from '../../model/types.js'
import { decodePlan, encodePlan } from '../../plan/codec.js'
import { systemClock } from '../../platform/system-clock.js'
import type { RegistrationStore } from '../../store/registration-store.js'
import { EXIT } from '../exit.js'
import { progressReporter, stylerFor } from '../output.js'
import { withStore } from '../store-options.js'
import { osActor } from './actor.js'
import { askToApply, canAsk } from './confirm.js'
import { planFromFlags, type PlanFlags } from './make-cli-plan.js'
import { renderPlan, type PlanFormat } from './render.js'

export interface ApplyFlags extends PlanFlags {
  readonly autoApprove?: boolean
  readonly maxDeletions?: DeletionLimit
  readonly allowEmpty?: boolean
  readonly allowProtectedDelete?: boolean
  readonly format: PlanFormat
}

const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false

function applyOptions(flags: ApplyFlags, planDigest: string): ApplyOptions {
  const progress = progressReporter('applying')
  return {
    actor: osActor(),
    planDigest,
    ...(flags.maxDeletions ? { maxDeletions: flags.maxDeletions } : {}),
    allowEmpty: flags.allowEmpty ?? false,
    allowProtectedDelete: flags.allowProtectedDelete ?? false,
    onProgress: (done, total) => (done === total ? progress.done() : progress.update(done, total)),
  }
}

function report(result: ApplyResult): void {
  const changed = result.created + result.updated + result.deleted
  process.stdout.write(
    changed === 0
      ? `No changes. Store revision ${result.revision}.\n`
      : `Apply complete: ${result.created} created, ${result.updated} updated, ${result.deleted} deleted. Store revision ${result.baseRevision} → ${result.revision}.\n`,
  )
}

async function applySaved(path: string, flags: ApplyFlags, store: RegistrationStore): Promise<number> {
  const text = readFileSync(path, 'utf8')
  const plan = decodePlan(text)
  report(await applyPlan(store, plan, applyOptions(flags, sha256Hex(text)), { clock: systemClock }))
  return EXIT.ok
}

async function planAndApply(
  dir: string | undefined,
  flags: ApplyFlags,
  store: RegistrationStore,
): Promise<number> {
  const plan = await planFromFlags(dir, flags, store)
  process.stdout.write(renderPlan(plan, flags.format, stylerFor(process.stdout)))
  if (plan.changes.length === 0) return EXIT.ok
  if (!flags.autoApprove) {
    if (!canAsk()) throw new NotConfirmedError(false)
    if (!(await askToApply())) throw new NotConfirmedError(true)
  }
  const digest = sha256Hex(encodePlan(plan))
  report(await applyPlan(store, plan, applyOptions(flags, digest), { clock: systemClock }))
  return EXIT.ok
}

/** A saved plan when `target` is a file, else plan the directory (default .) and apply after confirmation. */
export async function runApply(target: string | undefined, flags: ApplyFlags): Promise<number> {
  const saved = target !== undefined && isFile(target)
  return withStore(flags, { create: !saved }, (store) =>
    saved ? applySaved(target, flags, store) : planAndApply(target, flags, store),
  )
}
