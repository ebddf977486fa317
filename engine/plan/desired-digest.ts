/** A digest of the desired state a plan leads to, independent of file and document order. */
import { sha256HexOfParts } from '../core/digest.js'
import type { DesiredState } from '../model/types.js'
import { desiredRecords, type DesiredRecords } from './desired-records.js'

/**
 * SHA-256 hex of the canonical records of a desired state: what the store holds after applying it
 * (labels, annotations and document positions are not part of it; the declaring file is).
 */
export function digestDesiredState(desired: DesiredState): string {
  return digestDesiredRecords(desiredRecords(desired))
}

/**
 * `digestDesiredState` for records already built: the SHA-256 of the same JSON, hashed in parts so
 * that the JSON of entries a PlanMemo keeps is written once per entry, not once per plan.
 */
export function digestDesiredRecords(records: DesiredRecords): string {
  const head = JSON.stringify({
    trustDomain: records.trustDomain,
    scopes: records.scopes,
    roles: records.roles,
    federationBundles: records.federationBundles,
    policies: records.policies,
  })
  function* parts(): Iterable<string> {
    // `head` without its closing brace, then "entries" as the last member, as JSON.stringify writes it
    yield `${head.slice(0, -1)},"entries":[`
    let first = true
    for (const e of records.entries) {
      if (!first) yield ','
      first = false
      yield e.kept ? (e.kept.json ??= JSON.stringify(e.record)) : JSON.stringify(e.record)
    }
    yield ']}'
  }
  return sha256HexOfParts(parts())
}
