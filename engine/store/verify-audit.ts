/** Walks the audit log and checks its hash chain. */
import { auditRowHash } from './audit-chain.js'
import type { AuditVerification } from './registration-store.js'
import type { AuditRow } from './sqlite-rows.js'

/**
 * Checks rows in sequence order: no gaps from 1, each `prev_hash` equal to the previous row's hash
 * (the genesis hash for row 1), each hash recomputed, and the last row equal to the recorded head
 * (`seq:hash`), so a truncated tail is caught too.
 */
export function verifyAuditRows(
  rows: Iterable<AuditRow>,
  genesisHash: string,
  head: string,
): AuditVerification {
  let expectedSeq = 1
  let prevHash = genesisHash
  let count = 0
  for (const row of rows) {
    if (row.seq !== expectedSeq) return { ok: false, rows: count, seq: expectedSeq, problem: 'gap' }
    if (row.prev_hash !== prevHash) return { ok: false, rows: count, seq: row.seq, problem: 'chain-broken' }
    const hash = auditRowHash(prevHash, {
      seq: row.seq,
      atMs: row.at_ms,
      actor: row.actor,
      event: row.event,
      revision: row.revision,
      data: row.data,
    })
    if (hash !== row.hash) return { ok: false, rows: count, seq: row.seq, problem: 'hash-mismatch' }
    prevHash = hash
    count += 1
    expectedSeq += 1
  }
  if (head !== `${count}:${prevHash}`) return { ok: false, rows: count, seq: count, problem: 'head-mismatch' }
  return { ok: true, rows: count, headHash: prevHash }
}
