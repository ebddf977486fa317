/**
 * `sigil agent` (= `sigil agent run`): the node agent (agent/main.ts). The `agent` command group is
 * shared with `sigil agent ban|unban|list` (agent-admin.ts); `run` is its default subcommand.
 */
import type { Command } from 'commander'
import { runAgentMain } from '../../../agent/main.js'
import type { AgentFlags } from '../../../agent/attest/agent-config.js'
import { action } from '../action.js'
import { agentCommand } from './agent-admin.js'

export function register(program: Command): void {
  agentCommand(program)
    .command('run', { isDefault: true })
    .description(
      'run the node agent (the default: `sigil agent [options]`): attest to the server, keep workload SVIDs ' +
        'rotated, serve the Workload API. ' +
        'Exit 0 after SIGTERM, 1 when it cannot attest or start, 2 for a bad configuration',
    )
    .option('--config <file>', 'configuration file (YAML or JSON, schema/agent-config.schema.json)')
    .option('--server <host:port>', "address of the server's agent API")
    .option('--trust-domain <name>', 'trust domain, e.g. example.org')
    .option('--join-token <token>', 'single-use join token (only needed while the agent has no usable SVID)')
    .option('--k8s-token-file <path>', 'projected service account token for k8s_psat attestation')
    .option('--k8s-cluster <name>', 'cluster name for k8s_psat (as configured on the server)')
    .option('--trust-bundle <file>', "PEM of the trust domain's CA certificates, to verify the server")
    .option(
      '--insecure-bootstrap',
      'trust the first server connection without --trust-bundle (not for production)',
    )
    .option('--data-dir <dir>', 'data directory; the agent state is kept in <dir>/agent (default ./.sigil)')
    .option('--socket <path>', 'Workload API socket path (default /tmp/sigil-agent/public/api.sock)')
    .option(
      '--http-listen <host:port>',
      'serve /healthz, /readyz and /metrics (Prometheus) over HTTP on this address (off by default)',
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info)')
    .action(action((opts: AgentFlags) => runAgentMain(opts)))
}
