/**
 * `authz`: in-process decisions per second through `createAuthorizer().check` over a compiled store
 * of 10,000 SPIFFE IDs × 3 roles (half allow, half deny), against a bare `Map.get` of the same keys in
 * the same run. Target ≥ 1,000,000 decisions/s. Extra figure: the same with every decision counted
 * by the decision log (`auditedPerSecond`), as on the server.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAuthorizer } from '../../engine/authz/authorizer.js'
import { createDecisionLog } from '../../engine/authz/decision-log.js'
import type { LiveState } from '../../engine/plan/types.js'
import { systemClock } from '../../engine/platform/system-clock.js'
import { opsPerSecond, result, type BenchResult } from '../harness.js'

const IDS = 10_000
const ROLES = 50
const ROUNDS = 3
const ROUND_MS = 1000

export default async function authz(): Promise<readonly BenchResult[]> {
  const roles = Array.from({ length: ROLES }, (_, i) => ({
    name: `role-${i}`,
    description: '',
    scopes: [`read:svc-${i}`, `write:svc-${i}`],
  }))
  const entries = Array.from({ length: IDS }, (_, i) => ({
    spiffeId: `spiffe://example.org/ns/prod/sa/svc-${i}`,
    roles: [`role-${i % ROLES}`, `role-${(i + 1) % ROLES}`, `role-${(i + 7) % ROLES}`],
  })) as unknown as LiveState['entries']
  const live: LiveState = {
    lineage: 'bench',
    revision: 1,
    trustDomain: 'example.org',
    entries,
    roles,
    scopes: [],
    federationBundles: [],
    policies: [],
  }
  const store = {
    fetchRevision: () => Promise.resolve({ lineage: 'bench', revision: 1 }),
    readLiveState: () => Promise.resolve(live),
  }
  const authorizer = await createAuthorizer({ store, clock: systemClock })
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-authz-'))
  const log = createDecisionLog({ path: join(dir, 'decisions.jsonl'), clock: systemClock })
  const audited = await createAuthorizer({ store, clock: systemClock, onDecision: log.record })
  const queries = Array.from({ length: 4096 }, (_, q) => {
    const i = (q * 7919) % IDS
    // even: a granted scope, odd: one no role on the entry grants
    const role = q % 2 === 0 ? i % ROLES : (i + 3) % ROLES
    return [entries[i]?.spiffeId as string, `read:svc-${role}`] as const
  })
  const ids = queries.map(([id]) => id)
  const scopes = queries.map(([, scope]) => scope)
  const map = new Map(queries.map(([id, scope], q) => [`${id} ${scope}`, q % 2 === 0]))
  let n = 0
  let sink = 0
  const mask = queries.length - 1
  const decideOne = () => {
    const i = n++ & mask
    if (authorizer.check(ids[i] as string, scopes[i] as string).allow) sink++
  }
  const auditedOne = () => {
    const i = n++ & mask
    if (audited.check(ids[i] as string, scopes[i] as string).allow) sink++
  }
  const keys = queries.map(([id, scope]) => `${id} ${scope}`)
  const bareOne = () => {
    if (map.get(keys[n++ & mask] as string)) sink++
  }
  // 1,000 calls per measured op so the harness loop overhead does not dominate
  const batch = (fn: () => void) => () => {
    for (let i = 0; i < 1000; i++) fn()
  }
  let best = 0
  let bare = 0
  let withAudit = 0
  try {
    for (let r = 0; r < ROUNDS; r++) {
      best = Math.max(best, (await opsPerSecond(batch(decideOne), ROUND_MS)) * 1000)
      bare = Math.max(bare, (await opsPerSecond(batch(bareOne), ROUND_MS)) * 1000)
      withAudit = Math.max(withAudit, (await opsPerSecond(batch(auditedOne), ROUND_MS)) * 1000)
    }
    log.flush()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return [
    result('authz', best, 'decisions/s', bare, {
      baselineName: 'Map.get',
      target: 1_000_000,
      auditedPerSecond: Math.round(withAudit),
      ids: IDS,
      roles: ROLES,
      allowed: sink > 0,
    }),
  ]
}
