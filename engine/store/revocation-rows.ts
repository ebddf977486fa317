/** The `revocations` table row (migrations/003-revocations.ts) shared by the SQLite and PostgreSQL node stores. */
import type { Revocation } from './node-store.js'

/** A `revocations` row (migrations/003-revocations.ts); the PostgreSQL store reads the same shape. */
export interface RevocationRow {
  id: number
  spiffe_id: string
  reason: string
  actor: string
  created_at_ms: number
  expires_at_ms: number | null
  lifted_at_ms: number | null
  lifted_by: string | null
}

/** The store-neutral form of a `revocations` row. */
export function revocationFromRow(row: RevocationRow): Revocation {
  return {
    id: Number(row.id),
    spiffeId: row.spiffe_id,
    reason: row.reason,
    actor: row.actor,
    createdAtMs: Number(row.created_at_ms),
    expiresAtMs: row.expires_at_ms === null ? null : Number(row.expires_at_ms),
    liftedAtMs: row.lifted_at_ms === null ? null : Number(row.lifted_at_ms),
    liftedBy: row.lifted_by,
  }
}
