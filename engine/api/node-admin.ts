/** NodeAdmin on a NodeStore (the SQLite file): token creation, bans, revocations and listing, each audited. */
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

/** Checks that `spiffeId` parses as a SPIFFE ID (what `--lift` needs). */
function checkSpiffeId(spiffeId: string): void {
  if (!parseSpiffeId(spiffeId).ok) {
    throw new EngineError('ERR_API_INVALID_ARGUMENT', 'not a spiffe id', { data: { reason: 'spiffe-id' } })
  }
}

/**
 * Checks a revocation request: a SPIFFE ID that is not an agent ID (nodes are banned instead), a
 * non-empty reason and a positive duration if any.
 */
export function checkRevocationRequest(spiffeId: string, reason: string, forMs: number | undefined): void {
  checkSpiffeId(spiffeId)
  const id = parseSpiffeId(spiffeId)
  if (id.ok && isAgentPath(id.value.path)) {
    throw new EngineError(
      'ERR_API_INVALID_ARGUMENT',
      'an agent id is banned, not revoked: use sigil agent ban',
      {
        data: { reason: 'agent-id' },
      },
    )
  }
  if (reason.trim() === '') {
    throw new EngineError('ERR_API_INVALID_ARGUMENT', 'a revocation needs a reason', {
      data: { reason: 'reason' },
    })
  }
  if (forMs !== undefined && (!Number.isSafeInteger(forMs) || forMs <= 0)) {
    throw new EngineError('ERR_API_INVALID_ARGUMENT', 'revocation duration must be positive', {
      data: { reason: 'for' },
    })
  }
}

/**
 * Node administration directly on `nodes`. `onChange` runs after a ban, unban, revoke or lift (the server uses it
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
    async revokeIdentity({ spiffeId, reason, forMs, actor }) {
      checkRevocationRequest(spiffeId, reason, forMs)
      const atMs = deps.clock.now()
      const revocation = await nodes.createRevocation({
        spiffeId,
        reason,
        actor,
        atMs,
        ...(forMs !== undefined ? { expiresAtMs: atMs + forMs } : {}),
      })
      deps.onChange?.()
      return revocation
    },
    async liftRevocation({ spiffeId, actor }) {
      checkSpiffeId(spiffeId)
      const lifted = await nodes.liftRevocation({ spiffeId, actor, atMs: deps.clock.now() })
      deps.onChange?.()
      return lifted
    },
    listRevocations: ({ activeOnly = false } = {}) =>
      nodes.listRevocations(activeOnly ? { activeAtMs: deps.clock.now() } : {}),
    close: () => (deps.closeStore ? nodes.close() : Promise.resolve()),
  }
}
