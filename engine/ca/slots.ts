/**
 * SPIRE's A/B rotation schedule (PURE), spiffe-reference §7.2: prepare the next authority when the
 * current one passes half its life (at most 30 days before expiry), activate it at 5/6 (at most 7
 * days before expiry). Used for both the X.509 CA and the JWT signing key.
 */
import { DAY_MS } from '../core/clock.js'

/** The two slots of an authority type. */
export type Slot = 'A' | 'B'

/** Journal states of a slot (SPIRE: PREPARED=2, ACTIVE=3, OLD=4). */
export type SlotStatus = 'prepared' | 'active' | 'old'

/** When an authority was issued and when it expires, in ms since the epoch. */
export interface AuthorityLifetime {
  readonly issuedAtMs: number
  readonly notAfterMs: number
}

/** What one rotator tick must do. */
export type RotationStep = 'none' | 'prepare-and-activate' | 'prepare' | 'activate'

const MAX_PREPARE_AHEAD_MS = 30 * DAY_MS
const MAX_ACTIVATE_AHEAD_MS = 7 * DAY_MS

/** The other slot. */
export function otherSlot(slot: Slot): Slot {
  return slot === 'A' ? 'B' : 'A'
}

/** True once `current` is past the point where its successor should be prepared. */
export function shouldPrepareNext(current: AuthorityLifetime, nowMs: number): boolean {
  const lifetimeMs = current.notAfterMs - current.issuedAtMs
  return nowMs > current.notAfterMs - Math.min(lifetimeMs / 2, MAX_PREPARE_AHEAD_MS)
}

/** True once `current` is past the point where the prepared successor should take over. */
export function shouldActivateNext(current: AuthorityLifetime, nowMs: number): boolean {
  const lifetimeMs = current.notAfterMs - current.issuedAtMs
  return nowMs > current.notAfterMs - Math.min(lifetimeMs / 6, MAX_ACTIVATE_AHEAD_MS)
}

/** True while `a` can still sign: issued and not yet expired. */
export function isUsable(a: AuthorityLifetime, nowMs: number): boolean {
  return nowMs < a.notAfterMs
}

/**
 * The step for one tick given the active and the prepared authority (either may be missing).
 * Expired authorities are treated as missing, so a restart after a long outage recovers at once.
 */
export function nextRotationStep(
  current: AuthorityLifetime | undefined,
  next: AuthorityLifetime | undefined,
  nowMs: number,
): RotationStep {
  const cur = current && isUsable(current, nowMs) ? current : undefined
  const nxt = next && isUsable(next, nowMs) ? next : undefined
  if (!cur) return nxt ? 'activate' : 'prepare-and-activate'
  if (!nxt) return shouldPrepareNext(cur, nowMs) ? 'prepare' : 'none'
  return shouldActivateNext(cur, nowMs) ? 'activate' : 'none'
}
