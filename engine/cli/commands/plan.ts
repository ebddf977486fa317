/** `sigil plan`: what applying the repository would change, against a store or another Git revision. */
import { type Command, Option } from 'commander'
import { action } from '../action.js'
import type { PlanCommandFlags } from '../plan-apply/run-plan.js'
import { addSourceOptions } from '../plan-apply/source-options.js'
import { addStoreOptions } from '../store-options.js'

const PLAN_FORMATS = ['text', 'json', 'markdown']

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
    .action(
      action(async (dir: string | undefined, flags: PlanCommandFlags) =>
        (await import('../plan-apply/run-plan.js')).runPlan(dir, flags),
      ),
    )
}
