/** The audit log's hash chain: each row's hash covers the previous hash and the row's content. */
import { sha256Hex } from '../core/digest.js'

/** The fields a row hash covers, in a fixed order. */
export interface AuditRowContent {
  readonly seq: number
  readonly atMs: number
  readonly actor: string
  readonly event: string
  readonly revision: number
  /** The stored JSON text, hashed as stored. */
  readonly data: string
}

/** The `prevHash` of row 1: derived from the lineage, so rows cannot be moved between stores. */
export function auditGenesisHash(lineage: string): string {
  return sha256Hex(`sigil-audit-genesis\n${lineage}`)
}

/** Hex SHA-256 over the previous hash and the row. */
export function auditRowHash(prevHash: string, row: AuditRowContent): string {
  return sha256Hex(
    `${prevHash}\n${JSON.stringify([row.seq, row.atMs, row.actor, row.event, row.revision, row.data])}`,
  )
}
