// Shared by the crash test (a few dozen kills) and its stress version (hundreds).
import { spawn } from 'node:child_process'
import { copyFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { applyPlan } from '../../../engine/apply/apply-plan.js'
import type { Random } from '../../../engine/core/random.js'
import { encodePlan } from '../../../engine/plan/codec.js'
import { makePlan } from '../../../engine/plan/make-plan.js'
import { readBuiltinPolicies } from '../../../engine/source/builtin-policies.js'
import { readDirectory } from '../../../engine/source/read-directory.js'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { checkRepository } from '../../../engine/validate/check-repository.js'
import { FakeClock } from '../../support/fake-clock.js'
import { tempDir, writeFiles } from '../../support/git.js'
import { seededRandom } from '../../support/seeded-random.js'
import { identityFiles } from './support.js'

const CHILD = join(import.meta.dirname, 'crash-child.mjs')
const deps = () => ({ clock: new FakeClock(), random: seededRandom(3) })

export interface CrashScenario {
  readonly dir: string
  /** A store at revision 1 holding the old state (one self-contained file). */
  readonly baseDb: string
  /** A plan from revision 1 to 2: every entry updated and as many created. */
  readonly planFile: string
  readonly oldEntries: number
  readonly newEntries: number
}

async function planDir(
  repoDir: string,
  live: Awaited<ReturnType<ReturnType<typeof openSqliteStore>['readLiveState']>>,
) {
  const snapshot = await readDirectory(repoDir)
  const check = checkRepository(snapshot, {
    builtinPolicies: await readBuiltinPolicies(),
    todayMs: Date.UTC(2026, 0, 1),
  })
  return makePlan(check.desired, live, {
    createdAtMs: Date.UTC(2026, 0, 1),
    sigilVersion: 'test',
    source: { repo: repoDir, commit: '', path: '' },
    diagnostics: [],
  })
}

/** Builds the base store and the plan, through the real lint, plan and apply stages. */
export async function prepareCrashScenario(entries: number): Promise<CrashScenario> {
  const dir = tempDir('sigil-crash-')
  const baseDb = join(dir, 'base.db')
  const repo = join(dir, 'repo')
  writeFiles(repo, identityFiles({ entries, hint: () => 'old' }))
  const store = openSqliteStore(baseDb, deps(), { create: true })
  const first = await planDir(repo, await store.readLiveState())
  await applyPlan(store, first, { actor: 'os:test', planDigest: 'seed' }, { clock: new FakeClock() })
  writeFiles(repo, identityFiles({ entries: entries * 2, hint: () => 'new' }))
  const second = await planDir(repo, await store.readLiveState())
  await store.close()
  const planFile = join(dir, 'plan.json')
  writeFileSync(planFile, encodePlan(second))
  return { dir, baseDb, planFile, oldEntries: entries + 1, newEntries: entries * 2 + 1 }
}

export type KillMode =
  { kind: 'open' } | { kind: 'progress'; atWrites: number } | { kind: 'delay'; ms: number }

/** A seeded kill schedule: after opening, at a progress mark inside the transaction, or after a delay. */
export function killSchedule(
  random: Random,
  count: number,
  totalWrites: number,
  maxDelayMs: number,
): KillMode[] {
  return Array.from({ length: count }, (_, i): KillMode => {
    if (i % 3 === 0) return { kind: 'open' }
    if (i % 3 === 1) {
      const marks = Math.max(1, Math.floor(totalWrites / 1000) - 1)
      return { kind: 'progress', atWrites: 1000 * (1 + Math.floor(random.unit() * marks)) }
    }
    return { kind: 'delay', ms: Math.floor(random.unit() * maxDelayMs) }
  })
}

export interface KillOutcome {
  /** The child printed `done`: it committed before the kill landed. */
  readonly finished: boolean
  /** Writes the child reported inside the transaction before it died. */
  readonly progress: number
}

/** Runs the child on a fresh copy of the base store and kills it per `mode`. */
export function runAndKill(scenario: CrashScenario, db: string, mode: KillMode): Promise<KillOutcome> {
  // a WAL left by an earlier killed run must not be replayed onto the fresh copy
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true })
  copyFileSync(scenario.baseDb, db)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, db, scenario.planFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let progress = 0
    const kill = () => child.kill('SIGKILL')
    const timer = mode.kind === 'delay' ? setTimeout(kill, mode.ms) : undefined
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      for (const m of out.matchAll(/progress (\d+)/g)) progress = Math.max(progress, Number(m[1]))
      if (mode.kind === 'open' && out.includes('open')) kill()
      if (mode.kind === 'progress' && progress >= mode.atWrites) kill()
    })
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      resolve({ finished: out.includes('done'), progress })
    })
  })
}
