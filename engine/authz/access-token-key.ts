/**
 * The access-token signing key, kept by the CA's key manager (`<data-dir>/keys/` on one server,
 * sealed in PostgreSQL for replicas) rather than in memory: tokens keep verifying across a restart,
 * and every replica signs with the same key and publishes the same JWKS.
 */
import { createHash } from 'node:crypto'
import type { KeyManager, ManagedKey } from '../ca/key-manager.js'
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import { isFencedError } from '../store/postgres/fencing.js'

export const ACCESS_TOKEN_KEY_ID = 'access-token-signer'

const WAIT_POLL_MS = 500

/**
 * Loads the key, creating it when this replica may (`canCreate`: the leader; a single server always).
 * A follower waits up to `waitMs` for the leader to create it.
 */
export async function loadAccessTokenKey(
  keys: KeyManager,
  options: { readonly clock: Clock; readonly canCreate: () => boolean; readonly waitMs?: number },
): Promise<ManagedKey> {
  const deadline = options.clock.now() + (options.waitMs ?? 300_000)
  for (;;) {
    const found = await keys.fetchKey(ACCESS_TOKEN_KEY_ID)
    if (found) return found
    if (options.canCreate()) {
      try {
        return await keys.generateKey(ACCESS_TOKEN_KEY_ID, 'ec-p256')
      } catch (err) {
        if (!isFencedError(err)) throw err // leadership moved on: the new leader creates it
      }
    }
    if (options.clock.now() > deadline)
      throw new EngineError('ERR_CA_NOT_READY', 'no leader created the access-token key in time', {
        data: { reason: 'no-access-token-key' },
      })
    await options.clock.sleep(WAIT_POLL_MS)
  }
}

/** A `kid` every replica derives alike: the base64url SHA-256 of the public key, shortened. */
export function accessTokenKid(key: ManagedKey): string {
  return createHash('sha256').update(key.spkiDer).digest('base64url').slice(0, 22)
}
