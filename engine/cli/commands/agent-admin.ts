/**
 * `sigil agent ban ID`, `sigil agent unban ID`, `sigil agent list`: node administration on the
 * store (`--data-dir`, `--store FILE`) or through a running server (`--store unix:///…/admin.sock`).
 * The `agent` command itself (running the node agent) is registered by agent/; both share it.
 */
import { userInfo } from 'node:os'
import type { Command } from 'commander'
import { createNodeAdmin } from '../../api/node-admin.js'
import { cryptoRandom } from '../../platform/crypto-random.js'
import { systemClock } from '../../platform/system-clock.js'
import { openAdminClientStore } from '../../store/admin-client-store.js'
import type { AttestedNode, NodeAdmin } from '../../store/node-store.js'
import { openSqliteNodeStore } from '../../store/sqlite-nodes.js'
import { action } from '../action.js'
import { EXIT } from '../exit.js'
import { addStoreOptions, openStoreFromFlags, type StoreFlags } from '../store-options.js'

/** `os:<user>`, the actor recorded in the audit log for CLI operations. */
export function cliActor(): string {
  try {
    return `os:${userInfo().username}`
  } catch {
    return `os:uid-${process.getuid?.() ?? 'unknown'}`
  }
}

/** Node administration for the selected store: the admin socket, or the SQLite file directly. */
export async function openNodeAdminFromFlags(flags: StoreFlags): Promise<NodeAdmin> {
  if (flags.store !== undefined && /^unix:/i.test(flags.store)) return openAdminClientStore(flags.store)
  // opening the registration store first creates and migrates it; the node store then shares the file
  const store = openStoreFromFlags(flags, { create: true })
  const path = store.location
  await store.close()
  return createNodeAdmin(openSqliteNodeStore(path), {
    clock: systemClock,
    random: cryptoRandom,
    closeStore: true,
  })
}

/** The `agent` command, created when agent/ has not registered it yet. */
export function agentCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'agent') ??
    program.command('agent').description('the node agent, and agent administration on the server')
  )
}

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : '-')

function listText(nodes: readonly AttestedNode[]): string {
  if (nodes.length === 0) return 'no attested agents\n'
  return nodes
    .map(
      (n) =>
        `${n.agentId}\n  type: ${n.attestationType || '(never attested)'}  banned: ${n.banned}\n` +
        `  svid: serial ${n.svidSerial || '-'} expires ${iso(n.svidExpiresAtMs)}\n` +
        `  selectors: ${n.selectors.join(', ') || '-'}\n`,
    )
    .join('')
}

async function withNodeAdmin<T>(flags: StoreFlags, body: (admin: NodeAdmin) => Promise<T>): Promise<T> {
  const admin = await openNodeAdminFromFlags(flags)
  try {
    return await body(admin)
  } finally {
    await admin.close()
  }
}

export function register(program: Command): void {
  const agent = agentCommand(program)
  for (const banned of [true, false]) {
    addStoreOptions(
      agent
        .command(banned ? 'ban' : 'unban')
        .argument('<agent-id>', 'agent SPIFFE ID, spiffe://<td>/spire/agent/...')
        .description(
          banned
            ? 'ban an agent: every call it makes is refused (PERMISSION_DENIED), and it cannot re-attest'
            : 'lift a ban',
        ),
    ).action(
      action(async (agentId: string, opts: StoreFlags) => {
        await withNodeAdmin(opts, (admin) => admin.setAgentBanned({ agentId, banned, actor: cliActor() }))
        process.stdout.write(`${banned ? 'banned' : 'unbanned'} ${agentId}\n`)
        return EXIT.ok
      }),
    )
  }
  addStoreOptions(
    agent
      .command('list')
      .description('list attested (and banned) agents')
      .option('--format <format>', 'text or json', 'text'),
  ).action(
    action(async (opts: StoreFlags & { format: string }) => {
      const nodes = await withNodeAdmin(opts, (admin) => admin.listAgents())
      process.stdout.write(
        opts.format === 'json' ? JSON.stringify({ agents: nodes }, null, 2) + '\n' : listText(nodes),
      )
      return EXIT.ok
    }),
  )
}
