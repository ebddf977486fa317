/** The live state a store would hold after applying a desired state: for `--base-ref` previews and tests. */
import type { DesiredState } from '../model/types.js'
import { desiredRecords } from './desired-records.js'
import { compareStrings } from './order.js'
import { mintEntryId, recordKey } from './plan-entries.js'
import type { LiveEntry, LiveState } from './types.js'

/**
 * What a fresh store holds after applying `desired`: entry IDs as `makePlan` mints them, revision 0,
 * bookkeeping fields zero or empty, every list sorted (entries by ID, others by name). `lineage`
 * defaults to `''`. Throws like `makePlan` on invalid input.
 */
export function liveStateFromDesired(
  desired: DesiredState,
  options: { readonly lineage?: string } = {},
): LiveState {
  const records = desiredRecords(desired)
  const td = records.trustDomain
  const entries: LiveEntry[] = records.entries.map((e) => ({
    id: mintEntryId(td.entryIdPrefix, recordKey(e.record)),
    ...e.record,
    revisionNumber: 0,
    createdAt: 0,
    sourceCommit: '',
  }))
  entries.sort((a, b) => compareStrings(a.id, b.id))
  const { name, ...settings } = td
  return {
    lineage: options.lineage ?? '',
    revision: 0,
    trustDomain: name,
    trustDomainSettings: settings,
    entries,
    roles: records.roles,
    scopes: records.scopes,
    federationBundles: records.federationBundles,
    policies: records.policies,
  }
}
