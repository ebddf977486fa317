/**
 * Dated waivers for the built-in policy errors an import triggers (an admin entry, a root uid…), so
 * the migrated repository lints clean while every such decision is listed and expires. Pure.
 */
import type { Diagnostic } from '../core/diagnostics.js'

const DAY_MS = 86_400_000
const WAIVER_PREFIX = 'sigil/waive.'

/** The waiver text: why, and the expiry date `days` after `todayMs` (UTC). */
export function importWaiverValue(todayMs: number, days: number): string {
  const expires = new Date(todayMs + days * DAY_MS).toISOString().slice(0, 10)
  return `imported from SPIRE as it was; review this exception; expires ${expires}`
}

/**
 * Waiver annotations by `Kind/name` for every policy error (`ERR_POLICY_VIOLATION` with a `rule`) on
 * the given objects; other diagnostics are problems in the data and are never waived.
 */
export function importWaivers(
  diagnostics: readonly Diagnostic[],
  objects: ReadonlySet<string>,
  waiverValue: string,
): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>()
  for (const d of diagnostics) {
    if (d.code !== 'ERR_POLICY_VIOLATION' || d.severity !== 'error' || d.rule === undefined) continue
    if (d.object === undefined || !objects.has(d.object)) continue
    const annotations = out.get(d.object) ?? {}
    annotations[`${WAIVER_PREFIX}${d.rule}`] = waiverValue
    out.set(d.object, annotations)
  }
  return out
}
