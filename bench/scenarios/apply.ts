/**
 * `npm run bench apply`: applyPlan of 100,000 entry creates into a fresh SQLite store file (safety
 * checks, one transaction, one audit row per change, hash chain). Baseline, same run: raw
 * better-sqlite3 inserts of the same rows into the same schema in one transaction.
 * Target: ≥ 50% of the raw insert rate.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { applyPlan } from '../../engine/apply/apply-plan.js'
import { entryKey } from '../../engine/core/entry-key.js'
import type { DesiredState, EntryObject, TrustDomainObject } from '../../engine/model/types.js'
import { makePlan } from '../../engine/plan/make-plan.js'
import { systemClock } from '../../engine/platform/system-clock.js'
import { cryptoRandom } from '../../engine/platform/crypto-random.js'
import { MIGRATIONS } from '../../engine/store/migrations/index.js'
import { ENTRY_COLUMNS, entryValues } from '../../engine/store/sqlite-rows.js'
import { openSqliteStore } from '../../engine/store/sqlite-store.js'
import { result, type BenchResult } from '../harness.js'

const ENTRIES = 100_000
const span = { file: 'entries.yaml', line: 1, column: 1, endLine: 1, endColumn: 1 }
const source = { file: 'entries.yaml', documentIndex: 0, span }
const meta = (name: string) => ({ name, labels: {}, annotations: {} })

/** The desired state as model objects (parsing is the plan scenario's business). */
function desiredState(n: number): DesiredState {
  const trustDomain: TrustDomainObject = {
    kind: 'TrustDomain',
    metadata: meta('example.org'),
    source,
    raw: {},
    spec: {
      x509SvidTtlSeconds: 3600,
      jwtSvidTtlSeconds: 300,
      maxX509SvidTtlSeconds: 86400,
      maxJwtSvidTtlSeconds: 3600,
      entryIdPrefix: 'sigil.',
      maxDeletions: { kind: 'percent', value: 10 },
    },
  }
  const entries: EntryObject[] = []
  for (let i = 0; i < n; i++) {
    const ns = `ns-${i % 400}`
    entries.push({
      kind: 'Entry',
      metadata: meta(`svc-${i}`),
      source,
      raw: {},
      spec: {
        spiffeId: `spiffe://example.org/${ns}/svc-${i}`,
        parentId: `spiffe://example.org/nodes/cluster-${i % 10}`,
        selectors: [`k8s:ns:${ns}`, `k8s:sa:svc-${i}`],
        roles: [`role-${i % 50}`],
        x509SvidTtlSeconds: 3600,
        dnsNames: [`svc-${i}.${ns}.svc`],
        federatesWith: [],
        hint: '',
        admin: false,
        downstream: false,
        protect: false,
      },
    })
  }
  return { trustDomain, scopes: [], roles: [], entries, nodes: [], federationBundles: [], policies: [] }
}

export default async function applyScenario(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-apply-'))
  try {
    const store = openSqliteStore(
      join(dir, 'sigil.db'),
      { clock: systemClock, random: cryptoRandom },
      { create: true },
    )
    const plan = makePlan(desiredState(ENTRIES), await store.readLiveState(), {
      createdAtMs: systemClock.now(),
      sigilVersion: 'bench',
      source: { repo: 'bench', commit: '', path: '' },
      diagnostics: [],
    })
    let start = performance.now()
    await applyPlan(store, plan, { actor: 'os:bench', planDigest: 'bench' }, { clock: systemClock })
    const applySeconds = (performance.now() - start) / 1000
    const live = await store.readLiveState()
    await store.close()
    if (live.entries.length !== ENTRIES) throw new Error(`applied ${live.entries.length} entries`)

    // the same rows, bound straight into the same schema
    const rows = live.entries.map((e) => [
      e.id,
      ...entryValues(e, entryKey(e.spiffeId, e.parentId, e.selectors)),
      e.createdAt,
      e.sourceFile,
      e.sourceCommit,
    ])
    const db = new Database(join(dir, 'raw.db'))
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec(MIGRATIONS.map((m) => m.sql).join('\n'))
    const insert = db.prepare(
      `INSERT INTO entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
    )
    start = performance.now()
    db.transaction(() => {
      for (const row of rows) insert.run(...row)
    })()
    const rawSeconds = (performance.now() - start) / 1000
    db.close()
    return [
      result('apply', ENTRIES / applySeconds, 'entries/s', ENTRIES / rawSeconds, {
        entries: ENTRIES,
        seconds: Math.round(applySeconds * 100) / 100,
        rawInsertSeconds: Math.round(rawSeconds * 100) / 100,
        target: 'ratio ≥ 0.5',
      }),
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
