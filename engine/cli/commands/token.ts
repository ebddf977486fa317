/** `sigil token create --ttl D [--agent-name NAME] [--spiffe-id ID]`: a single-use join token. */
import type { Command } from 'commander'
import { parseDurationMs } from '../../core/duration.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { addStoreOptions, type StoreFlags } from '../store-options.js'
import { cliActor, openNodeAdminFromFlags } from './agent-admin.js'

interface TokenCreateOptions extends StoreFlags {
  readonly ttl: string
  readonly agentName?: string
  readonly spiffeId?: string
  readonly format: string
}

export function register(program: Command): void {
  const token = program.command('token').description('join tokens for node attestation')
  addStoreOptions(
    token
      .command('create')
      .description(
        'create a single-use join token (printed once; only its hash is stored). The agent attesting with it ' +
          'gets spiffe://<td>/spire/agent/join_token/<agent-name or token>',
      )
      .option('--ttl <duration>', 'how long the token can be used, e.g. 10m, 1h', '10m')
      .option('--agent-name <name>', 'stable agent ID suffix instead of the token ([A-Za-z0-9._-])')
      .option('--spiffe-id <id>', 'an alias: entries parented to this ID reach the agent')
      .option('--format <format>', 'text (the token only) or json', 'text'),
  ).action(
    action(async (opts: TokenCreateOptions) => {
      const ttlMs = parseDurationMs(opts.ttl)
      if (ttlMs === undefined || ttlMs < 1000)
        throw new CliExit(EXIT.other, `--ttl ${opts.ttl} is not a duration of at least 1s`)
      const admin = await openNodeAdminFromFlags(opts)
      try {
        const created = await admin.createJoinToken({
          ttlMs,
          actor: cliActor(),
          ...(opts.agentName !== undefined ? { agentName: opts.agentName } : {}),
          ...(opts.spiffeId !== undefined ? { spiffeId: opts.spiffeId } : {}),
        })
        const out =
          opts.format === 'json'
            ? JSON.stringify({
                token: created.token,
                expiresAt: new Date(created.expiresAtMs).toISOString(),
                agentName: created.agentName,
                spiffeId: created.aliasId,
              }) + '\n'
            : `${created.token}\n`
        process.stdout.write(out)
        return EXIT.ok
      } finally {
        await admin.close()
      }
    }),
  )
}
