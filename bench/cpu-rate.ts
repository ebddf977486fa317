/**
 * CPU-time rates shared by the mint scenarios (jwt-mint, x509-mint): operations per CPU-second of
 * this process, best of interleaved rounds, and the key-type loop they both run.
 */
import type { KeyType } from '../engine/ca/key-type.js'
import type { BenchResult } from './harness.js'

const ROUNDS = 8
const ROUND_CPU_MS = 250

/** The CA key types the mint scenarios measure, in report order. */
export const MINT_KEY_TYPES = ['ec-p256', 'ec-p384', 'rsa-2048'] as const satisfies readonly KeyType[]

/**
 * Operations per CPU-second of this process, so that "per second on one core" survives a busy
 * machine: wall-clock rates of two loops measured minutes apart on a shared host are not comparable.
 */
export async function opsPerCpuSecond(fn: () => unknown): Promise<number> {
  const start = process.cpuUsage()
  let ops = 0
  let usedUs = 0
  while (usedUs < ROUND_CPU_MS * 1000) {
    for (let i = 0; i < 50; i++) {
      const pending = fn()
      if (pending instanceof Promise) await pending
    }
    ops += 50
    const used = process.cpuUsage(start)
    usedUs = used.user + used.system
  }
  return (ops / usedUs) * 1e6
}

/** Best of interleaved rounds of each function, so a noisy neighbour hurts all sides alike. */
export async function interleaved(fns: readonly (() => unknown)[]): Promise<number[]> {
  const best = fns.map(() => 0)
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, fn] of fns.entries()) best[i] = Math.max(best[i] as number, await opsPerCpuSecond(fn))
  }
  return best
}

/** `measure` for each of MINT_KEY_TYPES in turn (one at a time: the rates are per CPU-second). */
export async function forEachMintKeyType(
  measure: (keyType: KeyType) => Promise<BenchResult>,
): Promise<BenchResult[]> {
  const out: BenchResult[] = []
  for (const keyType of MINT_KEY_TYPES) out.push(await measure(keyType))
  return out
}
