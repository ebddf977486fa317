/** Randomness as an injected dependency: crypto in `main.ts`, seeded in tests. */
export interface Random {
  /** `n` random bytes. */
  bytes(n: number): Uint8Array
  /** A random UUIDv4 string. */
  uuid(): string
  /** A float in [0, 1). */
  unit(): number
}
