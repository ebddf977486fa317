/** makePlan: desired state × live state → the changes that turn live into desired (DESIGN.md §4). */
import { compareDiagnostics, type Diagnostic } from '../core/diagnostics.js'
import type { DesiredState } from '../model/types.js'
import { planAccessChanges } from './access-changes.js'
import { digestDesiredRecords } from './desired-digest.js'
import { desiredRecords, type DesiredRecords } from './desired-records.js'
import { compareChanges } from './order.js'
import { indexLive, planEntries, type EntryDiff } from './plan-entries.js'
import type { PlanMemo } from './plan-memo.js'
import { planNamed, planTrustDomain } from './plan-named.js'
import {
  FEDERATION_BUNDLE_FIELDS,
  POLICY_FIELDS,
  ROLE_FIELDS,
  SCOPE_FIELDS,
  sortedSet,
  type FederationBundleRecord,
  type PolicyRecord,
  type RoleRecord,
  type ScopeRecord,
} from './records.js'
import type { Change, LiveState, Plan } from './types.js'

/** Everything about a plan that does not come from the desired or live state. */
export interface PlanMeta {
  /** When the plan is made, ms since the epoch (`clock.now()`); only `createdAt` depends on it. */
  readonly createdAtMs: number
  readonly sigilVersion: string
  readonly source: { readonly repo: string; readonly commit: string; readonly path: string }
  /** Lint warnings to carry in the plan (a caller refuses to plan on errors). */
  readonly diagnostics: readonly Diagnostic[]
  /** `'git'` for `--base-ref` previews against another revision; default `'store'`. */
  readonly baseKind?: 'store' | 'git'
  /** The Git ref planned against, with `baseKind: 'git'`. */
  readonly baseRef?: string
}

/**
 * Plans the changes that turn `live` into `desired` (`memo`: what to keep for the next plan of the
 * same repository; the plan is the same with or without it). Entries and nodes are matched by their key
 * (SPIFFE ID, parent ID, sorted selectors) and keep their live ID; new ones get the ID
 * `<entryIdPrefix><32 hex of the key>`; live entries without the prefix are never touched. Pure and
 * deterministic: the same inputs give the same plan, apart from `createdAt`. Throws
 * `ERR_PLAN_INVALID_INPUT` when `desired` has no TrustDomain or duplicate names or keys.
 *
 * @example
 * const plan = makePlan(desired, store.readLiveState(), { createdAtMs: clock.now(), sigilVersion, source, diagnostics })
 * process.stdout.write(renderPlanText(plan, stylerFor(process.stdout)))
 */
export function makePlan(desired: DesiredState, live: LiveState, meta: PlanMeta, memo?: PlanMemo): Plan {
  const records = desiredRecords(desired, memo)
  memo?.planning(records.entries)
  const { changes, unchanged, entries } = planAll(records, live, memo)
  const accessChanges = planAccessChanges(
    changes,
    { entries: live.entries, roles: live.roles },
    { entries: entries.afterEntries, roles: records.roles },
  )
  const counts = { create: 0, update: 0, delete: 0 }
  for (const c of changes) counts[c.action]++
  const td = records.trustDomain
  return {
    formatVersion: 1,
    sigilVersion: meta.sigilVersion,
    createdAt: new Date(meta.createdAtMs).toISOString(),
    source: { repo: meta.source.repo, commit: meta.source.commit, path: meta.source.path },
    base: planBase(live, meta),
    desiredDigest: digestDesiredRecords(records),
    trustDomain: td.name,
    safety: { maxDeletions: td.maxDeletions, entryIdPrefix: td.entryIdPrefix },
    changes,
    accessChanges,
    widensAccess: accessChanges.some((a) => a.gained.length > 0),
    summary: { ...counts, unchanged, unmanaged: entries.unmanaged, conflicts: entries.conflicts },
    diagnostics: [...meta.diagnostics, ...entries.diagnostics].sort(compareDiagnostics),
  }
}

function planBase(live: LiveState, meta: PlanMeta): Plan['base'] {
  const base = { kind: meta.baseKind ?? 'store', lineage: live.lineage, revision: live.revision }
  return meta.baseRef === undefined ? base : { ...base, ref: meta.baseRef }
}

/** Every kind's changes in plan order, the unchanged count and the entry diff details. */
function planAll(
  records: DesiredRecords,
  live: LiveState,
  memo: PlanMemo | undefined,
): { changes: Change[]; unchanged: number; entries: EntryDiff } {
  const changes: Change[] = []
  let unchanged = planTrustDomain(records.trustDomain, live, changes)
  unchanged += planNamed('Scope', records.scopes, live.scopes.map(liveScope), SCOPE_FIELDS, changes)
  unchanged += planNamed('Role', records.roles, live.roles.map(liveRole), ROLE_FIELDS, changes)
  unchanged += planNamed(
    'FederationBundle',
    records.federationBundles,
    live.federationBundles.map(liveBundle),
    FEDERATION_BUNDLE_FIELDS,
    changes,
  )
  unchanged += planNamed('Policy', records.policies, live.policies.map(livePolicy), POLICY_FIELDS, changes)
  const prefix = records.trustDomain.entryIdPrefix
  const index = memo ? memo.liveIndex(live.entries) : indexLive(live.entries)
  const entries = planEntries(records.entries, live.entries, prefix, changes, index)
  unchanged += entries.unchanged
  changes.sort(compareChanges)
  return { changes, unchanged, entries }
}

// Live rows become records with only the record fields, so store-side extras never show as changes.
const liveScope = (s: ScopeRecord): ScopeRecord => ({ name: s.name, description: s.description })
const liveRole = (r: RoleRecord): RoleRecord => ({
  name: r.name,
  description: r.description,
  scopes: sortedSet(r.scopes),
})
const liveBundle = (b: FederationBundleRecord): FederationBundleRecord => ({
  name: b.name,
  trustDomain: b.trustDomain,
  endpointUrl: b.endpointUrl,
  endpointProfile: b.endpointProfile,
  endpointSpiffeId: b.endpointSpiffeId,
  bundle: b.bundle,
})
const livePolicy = (p: PolicyRecord): PolicyRecord => ({
  name: p.name,
  severity: p.severity,
  specJson: p.specJson,
})
