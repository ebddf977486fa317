/** The body of `sigil plan` (loaded on demand, so other commands start without the plan stage). */
import { writeFileSync } from 'node:fs'
import { encodePlan } from '../../plan/codec.js'
import type { Plan } from '../../plan/types.js'
import { EXIT } from '../exit.js'
import { stylerFor } from '../output.js'
import { withStore } from '../store-options.js'
import { planFromFlags, type PlanFlags } from './make-cli-plan.js'
import { renderPlan, type PlanFormat } from './render.js'

export interface PlanCommandFlags extends PlanFlags {
  readonly out?: string
  readonly format: PlanFormat
  readonly detailedExitcode?: boolean
}

/** Makes the plan: against `--base-ref` with no store, else against the selected store (created if new). */
export async function runPlan(dir: string | undefined, flags: PlanCommandFlags): Promise<number> {
  const plan: Plan =
    flags.baseRef !== undefined
      ? await planFromFlags(dir, flags, undefined)
      : await withStore(flags, { create: true }, (store) => planFromFlags(dir, flags, store))
  if (flags.out !== undefined) writeFileSync(flags.out, encodePlan(plan), { mode: 0o600 })
  process.stdout.write(renderPlan(plan, flags.format, stylerFor(process.stdout)))
  if (flags.out !== undefined && flags.format === 'text') {
    process.stdout.write(
      `\nSaved the plan to ${flags.out}; apply exactly these changes with: sigil apply ${flags.out}\n`,
    )
  }
  return flags.detailedExitcode && plan.changes.length > 0 ? EXIT.other : EXIT.ok
}
