/** `sigil server`: the agent API, admin socket and CA on the local store (engine/server/main.ts). */
import type { Command } from 'commander'
import { runServerMain } from '../../server/main.js'
import { action } from '../action.js'

export function register(program: Command): void {
  program
    .command('server')
    .description(
      'run the server: agent API (gRPC over TLS), CA, admin socket. Exit 0 after SIGTERM, 1 when it cannot ' +
        'start (port in use, data dir not writable), 2 for a bad configuration',
    )
    .option('--config <file>', 'configuration file (YAML or JSON, schema/server-config.schema.json)')
    .option('--data-dir <dir>', 'data directory: sigil.db, keys/, ca/ (default ./.sigil)')
    .option('--store <url>', 'postgres://… shared by server replicas with leader election (docs/ha.md)')
    .option('--trust-domain <name>', 'trust domain (needed the first time; remembered in the data dir)')
    .option('--listen <host:port>', 'agent API address (default 0.0.0.0:8081; port 0 picks one)')
    .option('--admin-socket <path>', 'admin socket (default <data-dir>/admin/admin.sock)')
    .option(
      '--http-listen <host:port>',
      'serve /healthz, /readyz, /metrics and /hooks/git here (off by default)',
    )
    .option(
      '--bundle-endpoint <host:port>',
      'serve the SPIFFE bundle endpoint (https_spiffe profile) here (off by default; docs/federation.md)',
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info)')
    .action(action((opts: Parameters<typeof runServerMain>[0]) => runServerMain(opts)))
}
