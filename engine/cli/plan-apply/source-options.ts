import type { Command } from 'commander'

/** Adds `--git URL --ref REF --path P` (a Git source instead of a directory). */
export function addSourceOptions(command: Command): Command {
  return command
    .option('--git <url>', 'read the repository from this Git URL instead of a directory')
    .option('--ref <ref>', 'branch, tag or commit of --git (default the remote HEAD)')
    .option('--path <path>', 'sub-directory of the repository holding the identity YAML')
}
