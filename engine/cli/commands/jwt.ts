/** `sigil jwt mint`: prints a JWT-SVID signed by the local CA's JWT key. */
import type { Command } from 'commander'
import { parseDurationMs } from '../../core/duration.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { openCliCa, withCaOptions, type CaCommandOptions } from './ca.js'

const collect = (value: string, previous: string[]) => [...previous, value]

/** Registers `sigil jwt`. */
export function register(program: Command): void {
  const jwt = program.command('jwt').description('JWT-SVIDs')
  withCaOptions(jwt.command('mint').description('mint a JWT-SVID and print it'))
    .requiredOption('--spiffe-id <id>', 'SPIFFE ID (the sub claim)')
    .requiredOption('--audience <aud>', 'audience (repeatable; one is recommended)', collect, [])
    .option('--ttl <duration>', 'lifetime, e.g. 5m (capped at the signing key expiry)', '5m')
    .action(
      action(async (opts: CaCommandOptions & { spiffeId: string; audience: string[]; ttl: string }) => {
        const ttlMs = parseDurationMs(opts.ttl)
        if (ttlMs === undefined || ttlMs <= 0) throw new CliExit(EXIT.other, `invalid --ttl "${opts.ttl}"`)
        const ca = await openCliCa(opts)
        const svid = ca.signJwtSvid({ spiffeId: opts.spiffeId, audience: opts.audience, ttlMs })
        process.stdout.write(svid.token + '\n')
        return EXIT.ok
      }),
    )
}
