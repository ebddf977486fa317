/**
 * `npm run bench plan`: `sigil plan` end to end in-process for 100,000 desired entries (100 files ×
 * 1,000) against a store already holding them, with 1% edited in the YAML: readDirectory +
 * readBuiltinPolicies + checkRepository + readLiveState + makePlan + encodePlan. Baseline, same run:
 * reading the same rows from SQLite (`SELECT *`) plus parsing the same YAML with js-yaml.
 * Target: under 10 s end to end.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { loadAll } from 'js-yaml'
import { applyPlan } from '../../engine/apply/apply-plan.js'
import { encodePlan } from '../../engine/plan/codec.js'
import { makePlan } from '../../engine/plan/make-plan.js'
import type { Plan } from '../../engine/plan/types.js'
import { cryptoRandom } from '../../engine/platform/crypto-random.js'
import { systemClock } from '../../engine/platform/system-clock.js'
import { readBuiltinPolicies } from '../../engine/source/builtin-policies.js'
import { readDirectory } from '../../engine/source/read-directory.js'
import type { RegistrationStore } from '../../engine/store/registration-store.js'
import { openSqliteStore } from '../../engine/store/sqlite-store.js'
import { checkRepository } from '../../engine/validate/check-repository.js'
import { result, type BenchResult } from '../harness.js'

const FILES = 100
const PER_FILE = 1000
const ENTRIES = FILES * PER_FILE
const NODES = 10

function entryDoc(i: number, edited: boolean): string {
  const ns = `ns-${i % 400}`
  return `---
apiVersion: sigil/v1
kind: Entry
metadata: { name: svc-${i} }
spec:
  spiffeID: spiffe://example.org/${ns}/svc-${i}
  parentID: spiffe://example.org/nodes/cluster-${i % NODES}
  selectors: ["k8s:ns:${ns}", "k8s:sa:svc-${i}"]
  x509SVIDTTL: 1h
  dnsNames: [svc-${i}.${ns}.svc]
  hint: ${edited ? 'edited' : 'original'}
`
}

/** Writes the repository; entries with `i % 100 === 0` carry the edit when `edited`. */
function generate(root: string, edited: boolean): void {
  let head = `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: example.org }
spec:
  ownership: { entryIDPrefix: "sigil." }
`
  for (let n = 0; n < NODES; n++) {
    head += `---\napiVersion: sigil/v1\nkind: Node\nmetadata: { name: cluster-${n} }\nspec:\n  spiffeID: spiffe://example.org/nodes/cluster-${n}\n  selectors: ["k8s_psat:cluster:c${n}"]\n`
  }
  writeFileSync(join(root, 'trust-domain.yaml'), head)
  mkdirSync(join(root, 'entries'), { recursive: true })
  for (let f = 0; f < FILES; f++) {
    let text = ''
    for (let d = 0; d < PER_FILE; d++) {
      const i = f * PER_FILE + d
      text += entryDoc(i, edited && i % 100 === 0)
    }
    writeFileSync(join(root, 'entries', `entries-${String(f).padStart(3, '0')}.yaml`), text)
  }
}

/** Seconds spent in each phase of the last `planRepository` call. */
const phases: Record<string, number> = {}

async function timed<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const start = performance.now()
  const value = await fn()
  phases[name] = Math.round(performance.now() - start) / 1000
  return value
}

/** What `sigil plan` does, minus printing. */
async function planRepository(root: string, store: RegistrationStore): Promise<{ plan: Plan; text: string }> {
  const snapshot = await timed('readDirectory', () => readDirectory(root))
  const builtinPolicies = await readBuiltinPolicies()
  const check = await timed('lint', () =>
    checkRepository(snapshot, { builtinPolicies, todayMs: systemClock.now() }),
  )
  const errors = check.diagnostics.filter((d) => d.severity === 'error')
  if (errors.length > 0)
    throw new Error(`generated repository has errors: ${errors[0]?.code} ${errors[0]?.message}`)
  const live = await timed('readLiveState', () => store.readLiveState())
  const plan = await timed('makePlan', () =>
    makePlan(check.desired, live, {
      createdAtMs: systemClock.now(),
      sigilVersion: 'bench',
      source: { repo: root, commit: '', path: '' },
      diagnostics: check.diagnostics,
    }),
  )
  const text = await timed('encodePlan', () => encodePlan(plan))
  return { plan, text }
}

export default async function planScenario(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-plan-'))
  try {
    const root = join(dir, 'repo')
    mkdirSync(root)
    const dbPath = join(dir, 'sigil.db')
    const store = openSqliteStore(dbPath, { clock: systemClock, random: cryptoRandom }, { create: true })
    generate(root, false)
    const seed = await planRepository(root, store)
    await applyPlan(
      store,
      seed.plan,
      { actor: 'os:bench', planDigest: 'seed', maxDeletions: { kind: 'count', value: 0 } },
      { clock: systemClock },
    )
    generate(root, true)

    let start = performance.now()
    const { plan } = await planRepository(root, store)
    const seconds = (performance.now() - start) / 1000
    await store.close()
    const expected = ENTRIES / 100
    if (plan.summary.update !== expected || plan.changes.length !== expected) {
      throw new Error(`expected ${expected} updates, got ${JSON.stringify(plan.summary)}`)
    }

    start = performance.now()
    const db = new Database(dbPath, { readonly: true })
    const rows = db.prepare('SELECT * FROM entries').all()
    db.close()
    let docs = 0
    for (const file of (await readDirectory(root)).files)
      docs += loadAll(readFileSync(join(root, file.path), 'utf8')).length
    const baselineSeconds = (performance.now() - start) / 1000
    if (rows.length !== ENTRIES + NODES || docs < ENTRIES) throw new Error('baseline read too little')
    return [
      result('plan', seconds, 's', baselineSeconds, {
        lowerIsBetter: true,
        entries: ENTRIES,
        changed: expected,
        target: 'under 10 s end to end',
        phases: { ...phases },
      }),
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
