/** `sigil apply`: a saved plan exactly as reviewed, or plan → show → confirm → apply. */
import { type Command, InvalidArgumentError, Option } from 'commander'
import { parseDeletionLimit } from '../../apply/deletion-limit.js'
import type { DeletionLimit } from '../../model/types.js'
import { action } from '../action.js'
import type { ApplyFlags } from '../plan-apply/run-apply.js'
import { addSourceOptions } from '../plan-apply/source-options.js'
import { addStoreOptions } from '../store-options.js'

const PLAN_FORMATS = ['text', 'json', 'markdown']

function deletionLimit(text: string): DeletionLimit {
  const limit = parseDeletionLimit(text)
  if (!limit) throw new InvalidArgumentError('expected a count (5) or a percentage of managed entries (20%)')
  return limit
}

export function register(program: Command): void {
  const command = program
    .command('apply')
    .description('apply a saved plan, or plan the repository and apply it after confirmation')
    .argument('[plan-or-dir]', 'a plan file from `sigil plan -o`, or a repository directory (default .)')
  addSourceOptions(command)
  addStoreOptions(command)
    .option('--auto-approve', 'apply without asking (needed when stdin is not a terminal)')
    .option(
      '--max-deletions <n|p%>',
      'allow up to this many entry deletions (overrides safety.maxDeletions)',
      deletionLimit,
    )
    .option('--allow-empty', 'allow a plan that leaves no managed entries')
    .option(
      '--allow-protected-delete',
      'allow deleting entries marked protect (break-glass; normally remove protect in Git first)',
    )
    .addOption(
      new Option('--format <format>', 'how to show the plan before applying')
        .choices(PLAN_FORMATS)
        .default('text'),
    )
    .action(
      action(async (target: string | undefined, flags: ApplyFlags) =>
        (await import('../plan-apply/run-apply.js')).runApply(target, flags),
      ),
    )
}
