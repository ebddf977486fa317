/** Join tokens: created random (160 bits), stored as SHA-256 only, consumed by their first use. */
import type { Clock } from '../core/clock.js'
import { sha256Hex } from '../core/digest.js'
import { EngineError } from '../core/errors.js'
import type { Random } from '../core/random.js'
import { parseSpiffeId } from '../core/spiffe-id.js'
import type { CreateJoinTokenRequest, CreatedJoinToken, NodeStore } from '../store/node-store.js'

const TOKEN_BYTES = 20
const AGENT_NAME = /^[A-Za-z0-9._-]{1,128}$/

/** The stored form of a token. */
export function hashJoinToken(token: string): string {
  return sha256Hex(`sigil-join-token\n${token}`)
}

function invalidArgument(message: string, reason: string): EngineError {
  return new EngineError('ERR_API_INVALID_ARGUMENT', message, { data: { reason } })
}

/** Checks a create request; throws ERR_API_INVALID_ARGUMENT with `data.reason`. */
export function checkJoinTokenRequest(req: CreateJoinTokenRequest): void {
  if (!Number.isSafeInteger(req.ttlMs) || req.ttlMs < 1000)
    throw invalidArgument('ttl must be at least 1s', 'ttl')
  if (
    (req.agentName !== undefined && !AGENT_NAME.test(req.agentName)) ||
    req.agentName === '.' ||
    req.agentName === '..'
  )
    throw invalidArgument('agent name must be 1-128 characters of [A-Za-z0-9._-]', 'agent-name')
  if (req.spiffeId !== undefined) {
    const id = parseSpiffeId(req.spiffeId)
    if (!id.ok || id.value.path === '')
      throw invalidArgument('spiffe id is not a valid SPIFFE ID with a path', 'spiffe-id')
  }
}

/** Mints a token, stores its hash and returns the token (shown once, never logged). */
export async function createJoinToken(
  nodes: NodeStore,
  req: CreateJoinTokenRequest,
  deps: { clock: Clock; random: Random },
): Promise<CreatedJoinToken> {
  checkJoinTokenRequest(req)
  const token = Buffer.from(deps.random.bytes(TOKEN_BYTES)).toString('hex')
  const now = deps.clock.now()
  const created = {
    token,
    expiresAtMs: now + req.ttlMs,
    agentName: req.agentName ?? '',
    aliasId: req.spiffeId ?? '',
  }
  await nodes.createJoinToken({
    tokenHash: hashJoinToken(token),
    expiresAtMs: created.expiresAtMs,
    createdAtMs: now,
    agentName: created.agentName,
    aliasId: created.aliasId,
  })
  await nodes.appendAudit({
    atMs: now,
    actor: req.actor,
    event: 'token.create',
    data: { agentName: created.agentName, aliasId: created.aliasId, expiresAtMs: created.expiresAtMs },
  })
  return created
}

/** What a redeemed token grants. */
export interface RedeemedJoinToken {
  readonly agentId: string
  readonly aliasIds: readonly string[]
}

/**
 * Consumes `token` (expired ones too) and returns the agent ID it grants; throws
 * ERR_ATTEST_TOKEN_INVALID (`data.reason`: unknown | expired) otherwise.
 */
export async function redeemJoinToken(
  nodes: NodeStore,
  token: string,
  nowMs: number,
  trustDomain: string,
): Promise<RedeemedJoinToken> {
  const record = token === '' ? undefined : await nodes.consumeJoinToken(hashJoinToken(token))
  if (!record) {
    throw new EngineError('ERR_ATTEST_TOKEN_INVALID', 'join token does not exist or has already been used', {
      data: { reason: 'unknown' },
    })
  }
  if (record.expiresAtMs <= nowMs) {
    throw new EngineError('ERR_ATTEST_TOKEN_INVALID', 'join token expired', { data: { reason: 'expired' } })
  }
  const name = record.agentName === '' ? token : record.agentName
  return {
    agentId: `spiffe://${trustDomain}/spire/agent/join_token/${name}`,
    aliasIds: record.aliasId === '' ? [] : [record.aliasId],
  }
}
