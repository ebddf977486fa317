/**
 * The desired state as canonical records, built once per plan and shared by the diff, the desired
 * digest and `liveStateFromDesired`.
 */
import type { SourceSpan } from '../core/diagnostics.js'
import { EngineError } from '../core/errors.js'
import type { DesiredState } from '../model/types.js'
import type { LiveEntry } from './types.js'
import {
  entryRecordFromDesired,
  entryRecordFromNode,
  federationBundleRecordFromDesired,
  policyRecordFromDesired,
  roleRecordFromDesired,
  scopeRecordFromDesired,
  trustDomainRecordFromDesired,
  type EntryRecord,
  type FederationBundleRecord,
  type PolicyRecord,
  type RoleRecord,
  type ScopeRecord,
  type TrustDomainRecord,
} from './records.js'
import type { PlanMemo } from './plan-memo.js'

/** A desired entry or node and where it was declared. */
export interface DesiredEntry {
  readonly record: EntryRecord
  readonly span: SourceSpan
  /**
   * Set on entries a PlanMemo keeps: the live entry this record last matched with nothing to change
   * (live entries are values: a changed row is a new object), so the next plan can skip the compare.
   */
  readonly kept?: KeptMatch
}

/** What a PlanMemo keeps about the live counterpart of one desired entry. */
export interface KeptMatch {
  /** The live entry last matched with nothing to change. */
  matched?: LiveEntry
  /** The ID the last plan created or updated the entry under (to learn the row once applied). */
  planned?: string
  /** `JSON.stringify(record)`, for the desired digest. */
  json?: string
}

/** Every desired object as a record; named kinds sorted by name, entries in declaration-list order. */
export interface DesiredRecords {
  readonly trustDomain: TrustDomainRecord
  readonly scopes: readonly ScopeRecord[]
  readonly roles: readonly RoleRecord[]
  readonly federationBundles: readonly FederationBundleRecord[]
  readonly policies: readonly PolicyRecord[]
  /** Nodes first, then entries; each group sorted by name. */
  readonly entries: readonly DesiredEntry[]
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const byName = (a: { readonly name: string }, b: { readonly name: string }): number => cmp(a.name, b.name)

/**
 * Builds the records of a desired state (entry and node records from `memo` when given). Throws `ERR_PLAN_INVALID_INPUT` when it has no TrustDomain,
 * or when two objects of a kind share a name or two entries share a key (lint refuses both first).
 */
export function desiredRecords(desired: DesiredState, memo?: PlanMemo): DesiredRecords {
  const td = desired.trustDomain
  if (!td) throw new EngineError('ERR_PLAN_INVALID_INPUT', 'the desired state declares no trust domain')
  const tdName = td.metadata.name
  const entries: DesiredEntry[] = []
  for (const n of sortedByName(desired.nodes)) {
    entries.push(
      memo ? memo.desiredEntry(n, tdName) : { record: entryRecordFromNode(n, tdName), span: n.source.span },
    )
  }
  for (const e of sortedByName(desired.entries)) {
    entries.push(
      memo ? memo.desiredEntry(e, tdName) : { record: entryRecordFromDesired(e), span: e.source.span },
    )
  }
  checkUnique(entries, (e) => e.record)
  return {
    trustDomain: trustDomainRecordFromDesired(td),
    scopes: uniqueByName('Scope', desired.scopes.map(scopeRecordFromDesired)),
    roles: uniqueByName('Role', desired.roles.map(roleRecordFromDesired)),
    federationBundles: uniqueByName(
      'FederationBundle',
      desired.federationBundles.map(federationBundleRecordFromDesired),
    ),
    policies: uniqueByName('Policy', desired.policies.map(policyRecordFromDesired)),
    entries,
  }
}

/** The objects sorted by name; the list itself when it already is (the model sorts them). */
function sortedByName<T extends { readonly metadata: { readonly name: string } }>(
  list: readonly T[],
): readonly T[] {
  for (let i = 1; i < list.length; i++) {
    if (cmp((list[i - 1] as T).metadata.name, (list[i] as T).metadata.name) > 0) {
      return [...list].sort((a, b) => cmp(a.metadata.name, b.metadata.name))
    }
  }
  return list
}

function uniqueByName<R extends { readonly name: string }>(kind: string, records: R[]): R[] {
  records.sort(byName)
  checkUnique(records, (r) => ({ kind, name: r.name }))
  return records
}

/** Items sorted by name within each kind group, so duplicates are adjacent. */
function checkUnique<T>(
  items: readonly T[],
  id: (item: T) => { readonly kind: string; readonly name: string },
): void {
  for (let i = 1; i < items.length; i++) {
    const a = id(items[i - 1] as T)
    const b = id(items[i] as T)
    if (a.kind === b.kind && a.name === b.name) {
      throw new EngineError('ERR_PLAN_INVALID_INPUT', `two ${b.kind} objects are named ${b.name}`, {
        data: { kind: b.kind, name: b.name },
      })
    }
  }
}
