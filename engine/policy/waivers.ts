/**
 * Waivers: an annotation `sigil/waive.<rule-id>: "<reason>; expires YYYY-MM-DD"` on an object
 * silences the findings of that rule (or diagnostic code) on that object until the end of that day (UTC).
 */
import type { Diagnostic } from '../core/diagnostics.js'
import type { ModelResult } from '../model/model-result.js'
import type { AnyObject, DesiredState } from '../model/types.js'
import { POLICY_CODES } from './codes.js'
import { ref } from './evaluate-policies.js'

/** The annotation prefix; the rest of the key is the rule id (a policy name or a diagnostic code). */
export const WAIVER_PREFIX = 'sigil/waive.'

const DAY_MS = 86_400_000
const VALUE = /^(.*);\s*expires\s+(\d{4})-(\d{2})-(\d{2})\s*$/s

/** A parsed waiver annotation. */
export type Waiver =
  | {
      readonly ok: true
      readonly rule: string
      readonly reason: string
      readonly expiresDate: string
      readonly untilMs: number
    }
  | { readonly ok: false; readonly rule: string; readonly problem: string }

/** Parses one waiver annotation; `untilMs` is the first millisecond after the expiry day (UTC). */
export function parseWaiver(key: string, value: string): Waiver {
  const rule = key.slice(WAIVER_PREFIX.length)
  if (rule === '') return { ok: false, rule, problem: 'waiver names no rule: use sigil/waive.<rule-id>' }
  const match = VALUE.exec(value)
  if (!match) return { ok: false, rule, problem: 'waiver must read "<reason>; expires YYYY-MM-DD"' }
  const [, reasonText = '', y = '', m = '', d = ''] = match
  const reason = reasonText.trim()
  if (reason === '') return { ok: false, rule, problem: 'waiver has no reason' }
  const startMs = Date.UTC(Number(y), Number(m) - 1, Number(d))
  const date = new Date(startMs)
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(m) - 1 ||
    date.getUTCDate() !== Number(d)
  ) {
    return { ok: false, rule, problem: `waiver expiry ${y}-${m}-${d} is not a calendar date` }
  }
  return { ok: true, rule, reason, expiresDate: `${y}-${m}-${d}`, untilMs: startMs + DAY_MS }
}

/** Options of `applyWaivers`. */
export interface ApplyWaiversOptions {
  /** Now, in ms since the epoch; a waiver is valid through its expiry day (UTC). */
  readonly todayMs: number
  readonly locate: ModelResult['locate']
}

/**
 * Drops diagnostics silenced by a valid, unexpired waiver on their object (`rule ?? code` and
 * `object` both match); adds ERR_POLICY_WAIVER_EXPIRED / _INVALID errors (the findings stay) and an
 * ERR_POLICY_WAIVER_UNUSED warning for a valid waiver that silenced nothing.
 */
export function applyWaivers(
  diagnostics: readonly Diagnostic[],
  desired: DesiredState,
  options: ApplyWaiversOptions,
): Diagnostic[] {
  const active = new Map<string, { object: AnyObject; key: string; used: boolean }>()
  const problems: Diagnostic[] = []
  for (const object of allObjects(desired)) {
    for (const [key, value] of Object.entries(object.metadata.annotations)) {
      if (!key.startsWith(WAIVER_PREFIX)) continue
      const waiver = parseWaiver(key, value)
      const problem = (code: string, message: string): Diagnostic =>
        waiverDiagnostic(object, key, code, 'error', message, options.locate)
      if (!waiver.ok) problems.push(problem(POLICY_CODES.waiverInvalid, waiver.problem))
      else if (options.todayMs >= waiver.untilMs) {
        problems.push(
          problem(POLICY_CODES.waiverExpired, `waiver for ${waiver.rule} expired on ${waiver.expiresDate}`),
        )
      } else active.set(`${ref(object)}\u0000${waiver.rule}`, { object, key, used: false })
    }
  }
  const kept = diagnostics.filter((d) => {
    const waiver = d.object === undefined ? undefined : active.get(`${d.object}\u0000${d.rule ?? d.code}`)
    if (waiver) waiver.used = true
    return !waiver
  })
  for (const { object, key, used } of active.values()) {
    if (used) continue
    const rule = key.slice(WAIVER_PREFIX.length)
    const message = `waiver for ${rule} silences nothing on ${ref(object)}; remove it`
    problems.push(
      waiverDiagnostic(object, key, POLICY_CODES.waiverUnused, 'warning', message, options.locate),
    )
  }
  return [...kept, ...problems]
}

function waiverDiagnostic(
  object: AnyObject,
  key: string,
  code: string,
  severity: Diagnostic['severity'],
  message: string,
  locate: ModelResult['locate'],
): Diagnostic {
  const path = `/metadata/annotations/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
  return { code, severity, message, path, span: locate(object.source, path), object: ref(object) }
}

function allObjects(desired: DesiredState): AnyObject[] {
  return [
    ...(desired.trustDomain ? [desired.trustDomain] : []),
    ...desired.scopes,
    ...desired.roles,
    ...desired.federationBundles,
    ...desired.nodes,
    ...desired.entries,
    ...desired.policies,
  ]
}
