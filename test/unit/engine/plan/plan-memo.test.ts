import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { makePlan } from '../../../../engine/plan/make-plan.js'
import { PlanMemo } from '../../../../engine/plan/plan-memo.js'
import { RepositoryChecker } from '../../../../engine/validate/check-repository.js'
import { fixtureMeta, liveFromFixture, loadFixture } from './helpers.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()

const TD = 'apiVersion: sigil/v1\nkind: TrustDomain\nmetadata: { name: example.org }\nspec: {}\n'
const node = (name: string) =>
  `---\napiVersion: sigil/v1\nkind: Node\nmetadata: { name: ${name} }\nspec: { spiffeID: "spiffe://example.org/nodes/${name}", selectors: ["k8s_psat:cluster:${name}"] }\n`
const entry = (name: string, hint: string) =>
  `---\napiVersion: sigil/v1\nkind: Entry\nmetadata: { name: ${name} }\nspec: { spiffeID: "spiffe://example.org/${name}", parentID: "spiffe://example.org/nodes/a", selectors: ["unix:uid:1"], hint: ${hint} }\n`
const snapshot = (files: Record<string, string>) => ({
  repo: 'r',
  path: '',
  files: Object.entries(files).map(([path, text]) => ({ path, text })),
})

describe('PlanMemo', () => {
  it('gives every golden fixture the same plan, with a fresh memo and a used one', () => {
    const memo = new PlanMemo()
    for (const name of cases) {
      const { desired, live, meta } = loadFixture(join(FIXTURES, name))
      const plain = makePlan(desired, live, meta)
      expect(makePlan(desired, live, meta, memo), name).toEqual(plain)
      expect(makePlan(desired, live, meta, memo), name).toEqual(plain)
    }
  })

  it('plans a kept match again when the live entry gains a twin or loses its ownership prefix', () => {
    const memo = new PlanMemo()
    const checker = new RepositoryChecker()
    const { desired } = checker.check(
      snapshot({ 'td.yaml': TD, 'n.yaml': node('a'), 'e.yaml': entry('x', 'one') }),
      { builtinPolicies: [], todayMs: 0 },
    )
    const synced = makePlan(desired, liveFromFixture({}), fixtureMeta())
    const live = liveFromFixture({
      entries: synced.changes
        .filter((c) => c.kind === 'Entry' || c.kind === 'Node')
        .map((c) => ({ ...(c.after as object), id: c.id as string })),
    })
    const entryX = live.entries.find((e) => e.name === 'x')!
    const variants = [
      live,
      // a managed twin with a lower ID: it is adopted, the kept match deleted
      { ...live, entries: [{ ...entryX, id: 'sigil.0' }, ...live.entries] },
      live,
      { ...live, entries: live.entries.map((e) => (e === entryX ? { ...e, id: `x-${e.id}` } : e)) },
      // replaced in place: the same positions (the index is kept), then another SPIFFE ID (it is not)
      live,
      { ...live, entries: live.entries.map((e) => (e === entryX ? { ...e, hint: 'changed' } : e)) },
      {
        ...live,
        entries: live.entries.map((e) => (e === entryX ? { ...e, spiffeId: 'spiffe://example.org/z' } : e)),
      },
    ]
    for (const v of variants) {
      const plain = makePlan(desired, v, fixtureMeta())
      expect(makePlan(desired, v, fixtureMeta(), memo)).toEqual(plain)
    }
    expect(makePlan(desired, variants[1]!, fixtureMeta(), memo).summary.delete).toBe(1)
    // the same entry objects under another ownership prefix: the live entries are no longer ours
    const { desired: otherPrefix } = checker.check(
      snapshot({
        'td.yaml': TD.replace('spec: {}', 'spec: { ownership: { entryIDPrefix: "other." } }'),
        'n.yaml': node('a'),
        'e.yaml': entry('x', 'one'),
      }),
      { builtinPolicies: [], todayMs: 0 },
    )
    expect(otherPrefix.entries[0]).toBe(desired.entries[0])
    expect(makePlan(otherPrefix, live, fixtureMeta(), memo)).toEqual(
      makePlan(otherPrefix, live, fixtureMeta()),
    )
  })

  it('learns the rows an applied plan wrote only when they are exactly the planned records', () => {
    const memo = new PlanMemo()
    const { desired } = new RepositoryChecker().check(
      snapshot({ 'td.yaml': TD, 'n.yaml': node('a'), 'e.yaml': entry('x', 'one') + entry('y', 'one') }),
      { builtinPolicies: [], todayMs: 0 },
    )
    const created = makePlan(desired, liveFromFixture({}), fixtureMeta(), memo).changes.filter(
      (c) => c.kind === 'Entry' || c.kind === 'Node',
    )
    // the store wrote y with another hint than planned (as a concurrent writer might have)
    const live = liveFromFixture({
      entries: created.map((c) => ({
        ...(c.after as object),
        id: c.id as string,
        ...(c.name === 'y' ? { hint: 'other' } : {}),
      })),
    })
    memo.learnApplied(live.entries)
    const kept = (name: string) =>
      memo.desiredEntry(
        desired.entries.find((e) => e.metadata.name === name)!,
        'example.org',
      ).kept?.matched
    expect(kept('x')).toBe(live.entries.find((e) => e.name === 'x'))
    expect(kept('y')).toBeUndefined()
    const plan = makePlan(desired, live, fixtureMeta(), memo)
    expect(plan).toEqual(makePlan(desired, live, fixtureMeta()))
    expect(plan.changes.filter((c) => c.kind === 'Entry').map((c) => [c.action, c.name])).toEqual([
      ['update', 'y'],
    ])
  })

  it('keeps the records of unchanged objects and follows edits and trust domain renames', () => {
    const checker = new RepositoryChecker()
    const memo = new PlanMemo()
    const options = { builtinPolicies: [], todayMs: 0 }
    const live = liveFromFixture({})
    const steps = [
      { 'td.yaml': TD, 'n.yaml': node('a'), 'e.yaml': entry('x', 'one') + entry('y', 'one') },
      { 'td.yaml': TD, 'n.yaml': node('a'), 'e.yaml': entry('x', 'two') + entry('y', 'one') },
      {
        'td.yaml': TD.replace('example.org', 'example.com'),
        'n.yaml': node('a'),
        'e.yaml': entry('x', 'two'),
      },
    ]
    let previous: ReturnType<typeof makePlan> | undefined
    for (const files of steps) {
      const { desired } = checker.check(snapshot(files), options)
      const plan = makePlan(desired, live, fixtureMeta(), memo)
      expect(plan).toEqual(makePlan(desired, live, fixtureMeta()))
      expect(plan.desiredDigest).not.toBe(previous?.desiredDigest)
      previous = plan
    }
    const { desired } = checker.check(snapshot(steps[2] as Record<string, string>), options)
    const n = desired.nodes[0]!
    expect(memo.desiredEntry(n, 'example.com')).toBe(memo.desiredEntry(n, 'example.com'))
    expect(memo.desiredEntry(n, 'example.org').record.parentId).toBe('spiffe://example.org/spire/server')
  })
})
