/** A digest of the desired state a plan leads to, independent of file and document order. */
import { sha256Hex } from '../core/digest.js'
import type { DesiredState } from '../model/types.js'
import { desiredRecords, type DesiredRecords } from './desired-records.js'

/**
 * SHA-256 hex of the canonical records of a desired state: what the store holds after applying it
 * (labels, annotations and document positions are not part of it; the declaring file is).
 */
export function digestDesiredState(desired: DesiredState): string {
  return digestDesiredRecords(desiredRecords(desired))
}

/** `digestDesiredState` for records already built. */
export function digestDesiredRecords(records: DesiredRecords): string {
  return sha256Hex(
    JSON.stringify({
      trustDomain: records.trustDomain,
      scopes: records.scopes,
      roles: records.roles,
      federationBundles: records.federationBundles,
      policies: records.policies,
      entries: records.entries.map((e) => e.record),
    }),
  )
}
