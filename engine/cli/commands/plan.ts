/** `sigil plan`: what applying the repository would change, against a store or another Git revision. */
import { writeFileSync } from 'node:fs'
import { type Command, Option } from 'commander'
import { encodePlan } from '../../plan/codec.js'
import type { Plan } from '../../plan/types.js'
import { action } from '../action.js'
import { EXIT } from '../exit.js'
import { stylerFor } from '../output.js'
import { planFromFlags, type PlanFlags } from '../plan-apply/make-cli-plan.js'
import { PLAN_FORMATS, renderPlan, type PlanFormat } from '../plan-apply/render.js'
import { addSourceOptions } from '../plan-apply/source-options.js'
import { addStoreOptions, withStore } from '../store-options.js'

interface PlanCommandFlags extends PlanFlags {
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

export function register(program: Command): void {
  const command = program
    .command('plan')
    .description('show what apply would change in the registration store (or versus another Git revision)')
    .argument('[dir]', 'identity repository directory (default .)')
  addSourceOptions(command)
  addStoreOptions(command)
    .option('--base-ref <ref>', 'compare with this Git revision instead of a store (pull-request preview)')
    .option('-o, --out <file>', 'save the plan for `sigil apply <file>`')
    .addOption(new Option('--format <format>', 'output format').choices(PLAN_FORMATS).default('text'))
    .option('--detailed-exitcode', 'exit 2 when there are changes (0 none, 1 error)')
    .action(action((dir: string | undefined, flags: PlanCommandFlags) => runPlan(dir, flags)))
}
