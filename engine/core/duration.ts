/** Durations written in the repository: `90s`, `5m`, `1h`, `7d`, or combinations such as `1h30m`. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION = /^(?:(\d+)(ms|s|m|h|d))+$/
const PART = /(\d+)(ms|s|m|h|d)/g

/** Milliseconds for a duration string, or `undefined` when it does not parse. `0s` is allowed. */
export function parseDurationMs(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined
  let total = 0
  for (const [, n, unit] of text.matchAll(PART)) total += Number(n) * (UNIT_MS[unit as string] as number)
  return Number.isSafeInteger(total) ? total : undefined
}

/** The shortest exact string for a duration in ms, e.g. 5400000 → `1h30m`. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s'
  let rest = ms
  let out = ''
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit] as number
    const n = Math.floor(rest / size)
    if (n > 0) {
      out += `${n}${unit}`
      rest -= n * size
    }
  }
  return out
}
