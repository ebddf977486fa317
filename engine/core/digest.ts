// The one pure module allowed to import node:crypto: hashing is deterministic, so pure stages may use it.
import { createHash, hash } from 'node:crypto'

/** Lowercase hex SHA-256 of a UTF-8 string or bytes (one-shot `crypto.hash`: 2–4× faster on small inputs). */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex')
}

/** Lowercase hex SHA-256 of the concatenation of `parts` (UTF-8 for strings), without building it. */
export function sha256HexOfParts(parts: Iterable<string | Uint8Array>): string {
  const h = createHash('sha256')
  for (const part of parts) h.update(part)
  return h.digest('hex')
}
