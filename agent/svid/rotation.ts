/** When an X509-SVID (workload or agent) should be replaced: at half its lifetime, with jitter. PURE. */

/** The validity window of a certificate, in Unix milliseconds. */
export interface SvidLifetime {
  readonly notBeforeMs: number
  readonly notAfterMs: number
}

/** Jitter bounds: rotation happens between 45 % and 55 % of the lifetime. */
export const MAX_JITTER = 0.05

/** The instant (ms) at which `svid` is due for rotation; `jitter` ∈ [-0.05, 0.05]. */
export function rotateAtMs(svid: SvidLifetime, jitter: number): number {
  const clamped = Math.max(-MAX_JITTER, Math.min(MAX_JITTER, jitter))
  const lifetimeMs = svid.notAfterMs - svid.notBeforeMs
  return svid.notBeforeMs + lifetimeMs * (0.5 + clamped)
}

/** True once `svid` has reached its jittered half life (or has expired). */
export function shouldRotate(svid: SvidLifetime, nowMs: number, jitter: number): boolean {
  return nowMs >= rotateAtMs(svid, jitter)
}

/** True when `svid` can no longer be used (at or past its NotAfter). */
export function isExpired(svid: SvidLifetime, nowMs: number): boolean {
  return nowMs >= svid.notAfterMs
}

/** A jitter value in [-0.05, 0.05] from a uniform `unit` ∈ [0, 1). */
export function jitterFromUnit(unit: number): number {
  return (unit * 2 - 1) * MAX_JITTER
}
