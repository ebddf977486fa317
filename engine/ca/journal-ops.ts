/** Pure updates of the CA journal: slots, published authorities, sequence, audit trail (PURE). */
import type {
  CaAuditRecord,
  CaJournal,
  JwtSlotRecord,
  PublishedJwtAuthority,
  PublishedX509Authority,
  X509SlotRecord,
} from './journal.js'
import type { Slot } from './slots.js'

const MAX_AUDIT = 200

/** An empty journal for a trust domain. */
export function emptyJournal(trustDomain: string): CaJournal {
  return {
    version: 1,
    trustDomain,
    x509: [],
    jwt: [],
    bundle: { sequence: 0, x509Authorities: [], jwtAuthorities: [] },
    audit: [],
  }
}

/** Appends an audit record, keeping the newest `MAX_AUDIT`. */
export function withAudit(j: CaJournal, record: CaAuditRecord): CaJournal {
  return { ...j, audit: [...j.audit, record].slice(-MAX_AUDIT) }
}

type AnySlotRecord = X509SlotRecord | JwtSlotRecord

/** The record with `status` in a slot list. */
export function findSlot<T extends AnySlotRecord>(records: readonly T[], status: T['status']): T | undefined {
  return records.find((r) => r.status === status)
}

/** Puts `record` in its slot, replacing whatever was there. */
export function putSlot<T extends AnySlotRecord>(records: readonly T[], record: T): T[] {
  return [...records.filter((r) => r.slot !== record.slot), record].sort((a, b) => (a.slot < b.slot ? -1 : 1))
}

/** Marks the prepared record active and the active one old. */
export function activateSlot<T extends AnySlotRecord>(records: readonly T[], slot: Slot): T[] {
  return records.map((r) =>
    r.slot === slot ? { ...r, status: 'active' } : r.status === 'active' ? { ...r, status: 'old' } : r,
  )
}

/** Adds X.509 authorities not yet published; bumps the sequence when anything changed. */
export function publishX509(j: CaJournal, authorities: readonly PublishedX509Authority[]): CaJournal {
  const fresh = authorities.filter((a) => !j.bundle.x509Authorities.some((b) => b.certDer === a.certDer))
  if (fresh.length === 0) return j
  return {
    ...j,
    bundle: {
      ...j.bundle,
      sequence: j.bundle.sequence + 1,
      x509Authorities: [...j.bundle.x509Authorities, ...fresh],
    },
  }
}

/** Adds a JWT authority; bumps the sequence. */
export function publishJwt(j: CaJournal, authority: PublishedJwtAuthority): CaJournal {
  if (j.bundle.jwtAuthorities.some((a) => a.kid === authority.kid)) return j
  return {
    ...j,
    bundle: {
      ...j.bundle,
      sequence: j.bundle.sequence + 1,
      jwtAuthorities: [...j.bundle.jwtAuthorities, authority],
    },
  }
}

/** Removes published authorities matching the predicates; bumps the sequence when anything was removed. */
export function unpublish(
  j: CaJournal,
  dropX509: (a: PublishedX509Authority) => boolean,
  dropJwt: (a: PublishedJwtAuthority) => boolean,
): CaJournal {
  const x509Authorities = j.bundle.x509Authorities.filter((a) => !dropX509(a))
  const jwtAuthorities = j.bundle.jwtAuthorities.filter((a) => !dropJwt(a))
  const removed =
    j.bundle.x509Authorities.length -
    x509Authorities.length +
    (j.bundle.jwtAuthorities.length - jwtAuthorities.length)
  if (removed === 0) return j
  return { ...j, bundle: { sequence: j.bundle.sequence + 1, x509Authorities, jwtAuthorities } }
}

/** Drops authorities expired for more than `graceMs`: nothing they signed can still be valid (or within leeway). */
export function pruneExpired(j: CaJournal, nowMs: number, graceMs: number): CaJournal {
  return unpublish(
    j,
    (a) => a.notAfterMs + graceMs < nowMs,
    (a) => a.notAfterMs + graceMs < nowMs,
  )
}
