/**
 * Every `sigil` command, in help order. Each command lives in its own file and is imported only when
 * it runs (or for the top-level help), so `sigil lint` does not load gRPC, SQLite or the CA.
 */
import type { Command } from 'commander'

type Register = (program: Command) => void
type Loader = () => Promise<{ register: Register }>

/** Command name → the modules that register it (`agent` has the agent itself and its administration). */
const COMMANDS: ReadonlyArray<readonly [string, readonly Loader[]]> = [
  ['lint', [() => import('./lint.js')]],
  ['policy', [() => import('./policy.js')]],
  ['plan', [() => import('./plan.js')]],
  ['apply', [() => import('./apply.js')]],
  ['entry', [() => import('./entry.js')]],
  ['audit', [() => import('./audit.js')]],
  ['authz', [() => import('./authz.js')]],
  ['access', [() => import('./access.js')]],
  ['revoke', [() => import('./revoke.js')]],
  ['import', [() => import('./import.js')]],
  ['export', [() => import('./export.js')]],
  ['ca', [() => import('./ca.js')]],
  ['bundle', [() => import('./bundle.js')]],
  ['x509', [() => import('./x509.js')]],
  ['jwt', [() => import('./jwt.js')]],
  ['server', [() => import('./server.js')]],
  ['token', [() => import('./token.js')]],
  ['agent', [() => import('./agent.js'), () => import('./agent-admin.js')]],
  ['workload', [() => import('./workload.js')]],
  ['status', [() => import('./status.js')]],
  ['reconcile', [() => import('./reconcile.js')]],
]

/** Registers the command named `only` when it is one of ours, else every command (help, typos). */
export async function registerCommands(program: Command, only?: string): Promise<void> {
  const selected = COMMANDS.filter(([name]) => name === only)
  for (const [, loaders] of selected.length > 0 ? selected : COMMANDS) {
    for (const load of loaders) (await load()).register(program)
  }
}
