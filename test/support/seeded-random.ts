import type { Random } from '../../engine/core/random.js'

/** Deterministic randomness (mulberry32) for golden outputs. */
export function seededRandom(seed = 42): Random {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256))
  return {
    bytes,
    unit: next,
    uuid: () => {
      const b = bytes(16)
      b[6] = ((b[6] as number) & 0x0f) | 0x40
      b[8] = ((b[8] as number) & 0x3f) | 0x80
      const h = Buffer.from(b).toString('hex')
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
    },
  }
}
