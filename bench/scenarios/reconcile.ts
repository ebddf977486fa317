/**
 * `npm run bench reconcile`: the reconcile cycle over a Git remote (a bare repository, file://) of
 * 100,000 entries (100 files × 1,000) into a SQLite store, with one agent streaming its authorized
 * entries. Measures a no-change cycle (median of 20) and a one-entry change from push to the agent
 * receiving it. Baseline, same run: a plain `sigil plan --git` of the same repository in-process
 * (fetch + read + lint + readLiveState + makePlan). Targets: no-change cycle < 100 ms; one-entry
 * change applied and pushed < 2 s.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EntrySync, type SyncMessage } from '../../engine/api/entry-sync.js'
import { makePlan } from '../../engine/plan/make-plan.js'
import { cryptoRandom } from '../../engine/platform/crypto-random.js'
import { systemClock } from '../../engine/platform/system-clock.js'
import { ReconcileCycle } from '../../engine/reconcile/cycle.js'
import { createGitReader } from '../../engine/reconcile/git-reader.js'
import { readBuiltinPolicies } from '../../engine/source/builtin-policies.js'
import { loadGitSource } from '../../engine/source/git-source.js'
import type { AttestedNode } from '../../engine/store/node-store.js'
import { openSqliteNodeStore } from '../../engine/store/sqlite-nodes.js'
import { openSqliteStore } from '../../engine/store/sqlite-store.js'
import { checkRepository } from '../../engine/validate/check-repository.js'
import { percentile, result, type BenchResult } from '../harness.js'

const FILES = 100
const PER_FILE = 1000
const ENTRIES = FILES * PER_FILE
const AGENTS = 10
const agentId = (n: number) => `spiffe://example.org/spire/agent/join_token/node-${n}`

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Bench',
      GIT_AUTHOR_EMAIL: 'bench@example.org',
      GIT_COMMITTER_NAME: 'Bench',
      GIT_COMMITTER_EMAIL: 'bench@example.org',
    },
  }).trim()
}

function entryDoc(i: number, hint: string): string {
  const ns = `ns-${i % 400}`
  return `---
apiVersion: sigil/v1
kind: Entry
metadata: { name: svc-${i} }
spec:
  spiffeID: spiffe://example.org/${ns}/svc-${i}
  parentID: ${agentId(i % AGENTS)}
  selectors: ["k8s:ns:${ns}", "k8s:sa:svc-${i}"]
  dnsNames: [svc-${i}.${ns}.svc]
  hint: ${hint}
`
}

function writeFile(root: string, f: number, edited: number | undefined): void {
  let text = ''
  for (let j = 0; j < PER_FILE; j++) {
    const i = f * PER_FILE + j
    text += entryDoc(i, i === edited ? 'edited' : 'original')
  }
  writeFileSync(join(root, 'entries', `part-${String(f).padStart(3, '0')}.yaml`), text)
}

function generate(root: string): void {
  writeFileSync(
    join(root, 'trust-domain.yaml'),
    `apiVersion: sigil/v1\nkind: TrustDomain\nmetadata: { name: example.org }\nspec:\n  ownership: { entryIDPrefix: "sigil." }\n`,
  )
  mkdirSync(join(root, 'entries'), { recursive: true })
  for (let f = 0; f < FILES; f++) writeFile(root, f, undefined)
}

const ms = (start: number) => performance.now() - start
const round = (n: number) => Math.round(n * 10) / 10

export default async function reconcileScenario(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-reconcile-'))
  try {
    const work = join(dir, 'work')
    const bare = join(dir, 'identities.git')
    mkdirSync(work)
    git(work, 'init', '-q', '-b', 'main')
    generate(work)
    git(work, 'add', '-A')
    git(work, 'commit', '-q', '-m', 'initial')
    git(dir, 'clone', '-q', '--bare', work, bare)
    git(work, 'remote', 'add', 'origin', bare)
    const url = `file://${bare}`

    const deps = { clock: systemClock, random: cryptoRandom }
    const dbPath = join(dir, 'sigil.db')
    const store = openSqliteStore(dbPath, deps, { create: true })
    const nodes = openSqliteNodeStore(dbPath)
    const builtinPolicies = await readBuiltinPolicies()
    const cycle = new ReconcileCycle({
      clock: systemClock,
      store,
      source: createGitReader({ url, cacheDir: join(dir, 'git') }),
      builtinPolicies,
      mode: 'apply',
      actor: 'sigil:reconciler',
      sigilVersion: 'bench',
      isLeader: () => true,
    })
    let start = performance.now()
    const initial = await cycle.run()
    const initialMs = ms(start)
    if (initial.result !== 'applied') throw new Error(`initial cycle: ${JSON.stringify(initial.error)}`)

    // one agent streaming the entries parented to it (a tenth of the store)
    const node: AttestedNode = {
      agentId: agentId(0),
      attestationType: 'join_token',
      selectors: [`spiffe_id:${agentId(0)}`],
      aliasIds: [],
      svidSerial: '01',
      svidExpiresAtMs: systemClock.now() + 3_600_000,
      banned: false,
      createdAtMs: 0,
      updatedAtMs: 0,
    }
    const sync = new EntrySync({
      store,
      nodes,
      clock: systemClock,
      trustDomain: 'example.org',
      bundle: () => ({ trustDomain: 'example.org', x509Authorities: [], jwtAuthorities: [], sequence: 1 }),
      checkNode: () => Promise.resolve(node),
    })
    let onMessage: (m: SyncMessage) => void = () => undefined
    await sync.subscribe(node, { send: (m) => onMessage(m), fail: () => undefined, end: () => undefined })

    const noChange: number[] = []
    for (let i = 0; i < 20; i++) {
      start = performance.now()
      const r = await cycle.run()
      noChange.push(ms(start))
      if (r.result !== 'unchanged') throw new Error(`no-change cycle: ${r.result}`)
    }
    const noChangeMs = percentile(noChange, 50)

    // one entry of agent 0 edited, committed and pushed; timed until the agent's stream carries it
    writeFile(work, 0, 0)
    git(work, 'commit', '-q', '-am', 'edit one entry')
    git(work, 'push', '-q', 'origin', 'main')
    start = performance.now()
    const received = new Promise<number>((resolve) => {
      onMessage = (m) => {
        if (m.entries.some((e) => e.hint === 'edited')) resolve(ms(start))
      }
    })
    const changed = await cycle.run()
    const cycleMs = ms(start)
    if (changed.result !== 'applied' || changed.changes?.update !== 1)
      throw new Error(`one-entry change: ${JSON.stringify(changed)}`)
    await sync.refresh()
    const pushedMs = await received

    // baseline: a plain plan of the same repository (what `sigil plan --git` does in-process)
    start = performance.now()
    const snapshot = await loadGitSource({ url, cacheDir: join(dir, 'plan-git') })
    const checked = checkRepository(snapshot, { builtinPolicies, todayMs: systemClock.now() })
    makePlan(checked.desired, await store.readLiveState(), {
      createdAtMs: systemClock.now(),
      sigilVersion: 'bench',
      source: { repo: url, commit: snapshot.commit ?? '', path: '' },
      diagnostics: [],
    })
    const planMs = ms(start)

    sync.endAll()
    nodes.close()
    await store.close()
    const extra = {
      entries: ENTRIES,
      files: FILES,
      plainPlanMs: round(planMs),
      initialApplyMs: round(initialMs),
    }
    return [
      result('reconcile', noChangeMs, 'ms no-change cycle (median of 20)', planMs, {
        ...extra,
        p90Ms: round(percentile(noChange, 90)),
        target: 'value < 100 ms',
      }),
      result('reconcile', pushedMs, 'ms one-entry change, push to agent stream', planMs, {
        ...extra,
        cycleMs: round(cycleMs),
        target: 'value < 2000 ms; ratio ≈ 1 (a cycle is a plan plus a one-row apply)',
      }),
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
