/**
 * Benchmark harness (DESIGN.md §7): each scenario prints JSON lines
 * `{"scenario","value","unit","baseline","ratio"}` with the baseline measured in the same run.
 */

/** One measured result. `ratio` = value / baseline (for rates) so higher is better unless `lowerIsBetter`. */
export interface BenchResult {
  readonly scenario: string
  readonly value: number
  readonly unit: string
  readonly baseline: number
  readonly ratio: number
  /** Free-form context: sizes, targets, extra figures. */
  readonly [extra: string]: unknown
}

/** A scenario module's default export. */
export type Scenario = () => Promise<readonly BenchResult[]>

/** Builds a result with the ratio computed and rounded. */
export function result(
  scenario: string,
  value: number,
  unit: string,
  baseline: number,
  extra: Record<string, unknown> = {},
): BenchResult {
  const round = (n: number) => Math.round(n * 1000) / 1000
  return {
    scenario,
    value: round(value),
    unit,
    baseline: round(baseline),
    ratio: round(value / baseline),
    ...extra,
  }
}

/** Runs `fn` repeatedly for at least `minMs` and returns operations per second. */
export async function opsPerSecond(fn: () => unknown | Promise<unknown>, minMs = 1000): Promise<number> {
  let ops = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < minMs) {
    for (let i = 0; i < 100; i++) await fn()
    ops += 100
    elapsed = performance.now() - start
  }
  return (ops / elapsed) * 1000
}

/** Milliseconds taken by `fn`. */
export async function timeMs(fn: () => unknown | Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

/** The p-th percentile (0–100) of samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? NaN
}
