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
    expect(memo.nodeRecord(n, 'example.com')).toBe(memo.nodeRecord(n, 'example.com'))
    expect(memo.nodeRecord(n, 'example.org').parentId).toBe('spiffe://example.org/spire/server')
  })
})
