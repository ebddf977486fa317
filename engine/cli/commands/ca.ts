/** `sigil ca show` and `sigil ca rotate --prepare|--activate`: look at and rotate the local CA. */
import { userInfo } from 'node:os'
import type { Command } from 'commander'
import type { CertificateAuthority } from '../../ca/certificate-authority.js'
import { cryptoRandom } from '../../platform/crypto-random.js'
import { systemClock } from '../../platform/system-clock.js'
import { action } from '../action.js'
import { resolveDataDir, DEFAULT_DATA_DIR } from '../data-dir.js'
import { CliExit, EXIT } from '../exit.js'

/** Options every CA command takes. */
export interface CaCommandOptions {
  readonly dataDir?: string
  readonly trustDomain?: string
}

/** Adds `--data-dir` and `--trust-domain` to a command. */
export function withCaOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data directory (keys/, ca/journal.json)', DEFAULT_DATA_DIR)
    .option('--trust-domain <name>', 'trust domain (needed the first time; remembered in the data dir)')
}

/** Opens the data dir's CA with the real clock and randomness, creating it on first use. */
export async function openCliCa(options: CaCommandOptions): Promise<CertificateAuthority> {
  const dataDir = await resolveDataDir(options.dataDir)
  // loaded on use: @peculiar/x509 and its dependencies would slow every other command's start
  const { openDataDirCa } = await import('../../ca/data-dir-ca.js')
  return openDataDirCa({
    dataDir,
    clock: systemClock,
    random: cryptoRandom,
    ...(options.trustDomain === undefined ? {} : { trustDomain: options.trustDomain }),
  })
}

const iso = (ms: number) => new Date(ms).toISOString()

function showText(ca: CertificateAuthority): string {
  const j = ca.journal()
  const lines = [
    `trust domain: ${j.trustDomain}`,
    `bundle sequence: ${j.bundle.sequence}`,
    'x509 authorities:',
  ]
  for (const r of j.x509)
    lines.push(
      `  ${r.slot} ${r.status.padEnd(8)} serial ${r.serialHex} ${r.keyType} ${iso(r.notBeforeMs)} .. ${iso(r.notAfterMs)}`,
    )
  lines.push('jwt keys:')
  for (const r of j.jwt)
    lines.push(`  ${r.slot} ${r.status.padEnd(8)} kid ${r.kid} ${r.keyType} until ${iso(r.notAfterMs)}`)
  lines.push(
    `published: ${j.bundle.x509Authorities.length} x509 authorities, ${j.bundle.jwtAuthorities.length} jwt keys`,
  )
  lines.push('recent operations:')
  for (const a of j.audit.slice(-10))
    lines.push(
      `  ${iso(a.atMs)} ${a.action} ${a.authority} ${a.slot ?? ''} ${a.id ?? ''} by ${a.actor}`.trimEnd(),
    )
  return lines.join('\n') + '\n'
}

/** Registers `sigil ca`. */
export function register(program: Command): void {
  const ca = program.command('ca').description('the trust domain CA: show it, rotate it')
  withCaOptions(
    ca.command('show').description('show CA slots, JWT keys, bundle sequence and recent operations'),
  )
    .option('--format <format>', 'text | json', 'text')
    .action(
      action(async (opts: CaCommandOptions & { format: string }) => {
        if (opts.format !== 'text' && opts.format !== 'json')
          throw new CliExit(EXIT.other, '--format must be text or json')
        const authority = await openCliCa(opts)
        process.stdout.write(
          opts.format === 'json' ? JSON.stringify(authority.journal(), null, 2) + '\n' : showText(authority),
        )
        return EXIT.ok
      }),
    )
  withCaOptions(
    ca.command('rotate').description('prepare the next authority, or activate the prepared one (audited)'),
  )
    .option('--prepare', 'prepare the next authority and publish it in the bundle')
    .option('--activate', 'make the prepared authority the one that signs')
    .option('--x509', 'only the X.509 CA')
    .option('--jwt', 'only the JWT signing key')
    .action(
      action(
        async (
          opts: CaCommandOptions & { prepare?: boolean; activate?: boolean; x509?: boolean; jwt?: boolean },
        ) => {
          if (Boolean(opts.prepare) === Boolean(opts.activate))
            throw new CliExit(EXIT.other, 'pass exactly one of --prepare or --activate')
          const kinds =
            opts.x509 === opts.jwt
              ? (['x509', 'jwt'] as const)
              : opts.x509
                ? (['x509'] as const)
                : (['jwt'] as const)
          const authority = await openCliCa(opts)
          const actor = `cli:${userInfo().username}`
          for (const kind of kinds) {
            const r = opts.prepare
              ? await authority.prepare(kind, actor)
              : await authority.activate(kind, actor)
            process.stdout.write(
              `${r.action}d ${r.authority} slot ${r.slot} (${r.authority === 'x509' ? 'serial' : 'kid'} ${r.id})\n`,
            )
          }
          return EXIT.ok
        },
      ),
    )
}
