// One loop over fixtures/<case>/: the plan, its text and Markdown renderings are golden files
// (update with `vitest -u`); every case also round-trips and is independent of input order.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { decodePlan, encodePlan } from '../../../../engine/plan/codec.js'
import { makePlan } from '../../../../engine/plan/make-plan.js'
import { renderPlanMarkdown } from '../../../../engine/plan/render-markdown.js'
import { renderPlanText } from '../../../../engine/plan/render-text.js'
import type { DesiredState } from '../../../../engine/model/types.js'
import type { LiveState } from '../../../../engine/plan/types.js'
import { loadFixture } from './helpers.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()

/** A deterministic reshuffle: every list and set-like array reversed, then rotated by one. */
function shuffle<T>(list: readonly T[]): T[] {
  const r = [...list].reverse()
  return r.length > 1 ? [...r.slice(1), r[0] as T] : r
}

function shuffleDesired(d: DesiredState): DesiredState {
  return {
    ...d,
    scopes: shuffle(d.scopes),
    roles: shuffle(d.roles).map((r) => ({ ...r, spec: { ...r.spec, scopes: shuffle(r.spec.scopes) } })),
    entries: shuffle(d.entries).map((e) => ({
      ...e,
      spec: { ...e.spec, selectors: shuffle(e.spec.selectors), roles: shuffle(e.spec.roles) },
    })),
    nodes: shuffle(d.nodes).map((n) => ({ ...n, spec: { ...n.spec, selectors: shuffle(n.spec.selectors) } })),
    federationBundles: shuffle(d.federationBundles),
    policies: shuffle(d.policies),
  }
}

function shuffleLive(l: LiveState): LiveState {
  return {
    ...l,
    entries: shuffle(l.entries).map((e) => ({
      ...e,
      selectors: shuffle(e.selectors),
      roles: shuffle(e.roles),
    })),
    roles: shuffle(l.roles).map((r) => ({ ...r, scopes: shuffle(r.scopes) })),
    scopes: shuffle(l.scopes),
    federationBundles: shuffle(l.federationBundles),
    policies: shuffle(l.policies),
  }
}

describe.each(cases)('plan fixture %s', (name) => {
  const dir = join(FIXTURES, name)
  const { desired, live, meta } = loadFixture(dir)
  const plan = makePlan(desired, live, meta)

  it('matches the golden plan.json, plan.txt and plan.md', async () => {
    await expect(encodePlan(plan)).toMatchFileSnapshot(join(dir, 'plan.json'))
    await expect(renderPlanText(plan)).toMatchFileSnapshot(join(dir, 'plan.txt'))
    await expect(renderPlanMarkdown(plan)).toMatchFileSnapshot(join(dir, 'plan.md'))
  })

  it('round-trips through the codec', () => {
    expect(decodePlan(encodePlan(plan))).toEqual(plan)
  })

  it('gives identical bytes for shuffled inputs', () => {
    const again = makePlan(shuffleDesired(desired), shuffleLive(live), meta)
    expect(encodePlan(again)).toBe(encodePlan(plan))
  })
})
