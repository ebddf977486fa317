/** `sigil bundle show [--format pem|spiffe]`: the trust bundle of the local CA. */
import type { Command } from 'commander'
import { encodeBundleJson, encodeBundlePem } from '../../ca/bundle.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { openCliCa, withCaOptions, type CaCommandOptions } from './ca.js'

/** Registers `sigil bundle`. */
export function register(program: Command): void {
  const bundle = program.command('bundle').description('trust bundles')
  withCaOptions(
    bundle
      .command('show')
      .description('print the trust bundle (PEM X.509 authorities, or SPIFFE bundle JSON)'),
  )
    .option('--format <format>', 'pem | spiffe', 'pem')
    .action(
      action(async (opts: CaCommandOptions & { format: string }) => {
        if (opts.format !== 'pem' && opts.format !== 'spiffe')
          throw new CliExit(EXIT.other, '--format must be pem or spiffe')
        const ca = await openCliCa(opts)
        const b = ca.bundle()
        process.stdout.write(
          opts.format === 'pem' ? encodeBundlePem(b) : encodeBundleJson(b, { space: 2 }) + '\n',
        )
        return EXIT.ok
      }),
    )
}
