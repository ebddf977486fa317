// Child process of the crash test: applies a saved plan to a store file, reporting progress on
// stdout synchronously (pipes are synchronous on Linux), so the parent can SIGKILL it mid-transaction.
import { readFileSync, writeSync } from 'node:fs'

const [dbPath, planPath] = process.argv.slice(2)
const dist = new URL('../../../dist/engine/', import.meta.url)
const { openSqliteStore } = await import(new URL('store/sqlite-store.js', dist).href)
const { applyPlan } = await import(new URL('apply/apply-plan.js', dist).href)
const { decodePlan } = await import(new URL('plan/codec.js', dist).href)

const clock = { now: () => Date.now(), sleep: () => Promise.resolve() }
const random = { bytes: () => new Uint8Array(), uuid: () => 'unused', unit: () => 0 }
const plan = decodePlan(readFileSync(planPath, 'utf8'))
const store = openSqliteStore(dbPath, { clock, random })
writeSync(1, 'open\n')
await applyPlan(
  store,
  plan,
  {
    actor: 'os:crash-test',
    planDigest: 'crash',
    onProgress: (done) => writeSync(1, `progress ${done}\n`),
  },
  { clock },
)
writeSync(1, 'done\n')
await store.close()
