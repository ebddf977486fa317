/** The mass-deletion guard: how many entry deletions a limit allows. */
import type { DeletionLimit } from '../model/types.js'

/**
 * Entry deletions allowed for `managed` managed entries: a count as is; a percentage rounded down,
 * but never below 1 (so a small store can still lose one entry without an override).
 */
export function allowedDeletions(limit: DeletionLimit, managed: number): number {
  if (limit.kind === 'count') return limit.value
  return Math.max(1, Math.floor((managed * limit.value) / 100))
}

/** Parses `--max-deletions N|P%`; `undefined` when malformed. */
export function parseDeletionLimit(text: string): DeletionLimit | undefined {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim())
  if (!m) return undefined
  const value = Number(m[1])
  if (m[2] === '%') return value <= 100 ? { kind: 'percent', value } : undefined
  return Number.isSafeInteger(value) ? { kind: 'count', value } : undefined
}
