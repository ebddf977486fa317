// The one pure module allowed to import node:crypto: hashing is deterministic, so pure stages may use it.
import { createHash } from 'node:crypto'

/** Lowercase hex SHA-256 of a UTF-8 string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
