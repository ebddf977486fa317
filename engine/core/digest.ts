// The one pure module allowed to import node:crypto: hashing is deterministic, so pure stages may use it.
import { hash } from 'node:crypto'

/** Lowercase hex SHA-256 of a UTF-8 string or bytes (one-shot `crypto.hash`: 2–4× faster on small inputs). */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex')
}
