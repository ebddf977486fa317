/** A digest of the desired state a plan leads to, independent of file and document order. */
import { sha256HexOfParts } from '../core/digest.js'
import type { DesiredState } from '../model/types.js'
import { desiredRecords, type DesiredRecords } from './desired-records.js'
import type { PlanMemo } from './plan-memo.js'

/**
 * SHA-256 hex of the canonical records of a desired state: what the store holds after applying it
 * (labels, annotations and document positions are not part of it; the declaring file is).
 */
export function digestDesiredState(desired: DesiredState): string {
  return digestDesiredRecords(desiredRecords(desired))
}

/**
 * `digestDesiredState` for records already built: the SHA-256 of the same JSON, hashed in parts so
 * that each entry's JSON can come from `memo` (converted once per record).
 */
export function digestDesiredRecords(records: DesiredRecords, memo?: PlanMemo): string {
  const head = JSON.stringify({
    trustDomain: records.trustDomain,
    scopes: records.scopes,
    roles: records.roles,
    federationBundles: records.federationBundles,
    policies: records.policies,
  })
  const json = (value: object) => (memo ? memo.jsonBytes(value) : JSON.stringify(value))
  function* parts(): Iterable<string | Uint8Array> {
    // `head` without its closing brace, then "entries" as the last member, as JSON.stringify writes it
    yield `${head.slice(0, -1)},"entries":[`
    let first = true
    for (const e of records.entries) {
      if (!first) yield ','
      first = false
      yield json(e.record)
    }
    yield ']}'
  }
  return sha256HexOfParts(parts())
}
