import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import type { Random } from '../core/random.js'

/** Randomness from the OS CSPRNG. */
export const cryptoRandom: Random = {
  bytes: (n) => new Uint8Array(randomBytes(n)),
  uuid: () => randomUUID(),
  unit: () => randomInt(0, 2 ** 48 - 1) / 2 ** 48,
}
