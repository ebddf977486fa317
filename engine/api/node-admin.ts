/** NodeAdmin on a NodeStore (the SQLite file): token creation, bans and listing, each audited. */
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import type { Random } from '../core/random.js'
import { parseSpiffeId, isAgentPath } from '../core/spiffe-id.js'
import type { NodeAdmin, NodeStore } from '../store/node-store.js'
import { createJoinToken } from './join-tokens.js'

/** Checks that `agentId` is an agent ID (`spiffe://<td>/spire/agent/<attestor>/...`). */
export function checkAgentId(agentId: string): void {
  const id = parseSpiffeId(agentId)
  if (!id.ok || !isAgentPath(id.value.path)) {
    throw new EngineError(
      'ERR_API_INVALID_ARGUMENT',
      'not an agent id (spiffe://<td>/spire/agent/<attestor>/...)',
      {
        data: { reason: 'agent-id' },
      },
    )
  }
}

/**
 * Node administration directly on `nodes`. `onChange` runs after a ban or unban (the server uses it
 * to re-check connected agents at once).
 */
export function createNodeAdmin(
  nodes: NodeStore,
  deps: { clock: Clock; random: Random; onChange?: () => void; closeStore?: boolean },
): NodeAdmin {
  return {
    createJoinToken: (req) => createJoinToken(nodes, req, deps),
    async setAgentBanned({ agentId, banned, actor }) {
      checkAgentId(agentId)
      const atMs = deps.clock.now()
      const node = await nodes.setAttestedNodeBanned(agentId, banned, atMs)
      await nodes.appendAudit({ atMs, actor, event: banned ? 'node.ban' : 'node.unban', data: { agentId } })
      deps.onChange?.()
      return node
    },
    listAgents: () => nodes.listAttestedNodes(),
    close: () => (deps.closeStore ? nodes.close() : Promise.resolve()),
  }
}
