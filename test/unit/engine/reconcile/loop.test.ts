import { describe, expect, it } from 'vitest'
import { ReconcileLoop } from '../../../../engine/reconcile/loop.js'
import { FakeClock } from '../../../support/fake-clock.js'
import { seededRandom } from '../../../support/seeded-random.js'

const MINUTE = 60_000

/** A cycle runner whose cycles end only when the test says so. */
function gatedRunner() {
  const started: string[] = []
  const gates: (() => void)[] = []
  let n = 0
  return {
    started,
    runCycle: (trigger: string) => {
      started.push(trigger)
      const id = ++n
      return new Promise<number>((resolve) => gates.push(() => resolve(id)))
    },
    /** Ends the oldest running cycle. */
    finish: () => gates.shift()?.(),
    get running() {
      return gates.length
    },
  }
}

describe('reconcile loop', () => {
  it('runs at once, then every interval plus at most 10% jitter', async () => {
    const clock = new FakeClock()
    const runner = gatedRunner()
    const loop = new ReconcileLoop({
      clock,
      random: seededRandom(),
      intervalMs: MINUTE,
      runCycle: runner.runCycle,
      stopped: 0,
    })
    const stop = new AbortController()
    const done = loop.run(stop.signal)
    await expect.poll(() => runner.started).toEqual(['start'])
    runner.finish()
    await clock.waitForSleepers(1)
    clock.advance(MINUTE - 1)
    expect(runner.started).toHaveLength(1)
    clock.advance(MINUTE * 0.1 + 1)
    await expect.poll(() => runner.started).toEqual(['start', 'interval'])
    runner.finish()
    await clock.waitForSleepers(1)
    stop.abort()
    await done
    expect(loop.completed).toBe(2)
  })

  it('queues exactly one more cycle for any number of triggers during a cycle', async () => {
    const clock = new FakeClock()
    const runner = gatedRunner()
    const loop = new ReconcileLoop({
      clock,
      random: seededRandom(),
      intervalMs: MINUTE,
      runCycle: runner.runCycle,
      stopped: 0,
    })
    const stop = new AbortController()
    const done = loop.run(stop.signal)
    await expect.poll(() => runner.running).toBe(1)
    const a = loop.trigger('webhook')
    const b = loop.trigger('manual')
    const c = loop.trigger('webhook')
    runner.finish() // cycle 1 ends; the queued one starts at once
    await expect.poll(() => runner.started).toEqual(['start', 'webhook'])
    runner.finish()
    // every waiter gets the result of the one cycle that ran after it asked
    expect(await Promise.all([a, b, c])).toEqual([2, 2, 2])
    await clock.waitForSleepers(1)
    expect(runner.started).toHaveLength(2)
    stop.abort()
    await done
  })

  it('wakes from its sleep on a trigger and resolves with that cycle', async () => {
    const clock = new FakeClock()
    const runner = gatedRunner()
    const loop = new ReconcileLoop({
      clock,
      random: seededRandom(),
      intervalMs: MINUTE,
      runCycle: runner.runCycle,
      stopped: 0,
    })
    const stop = new AbortController()
    const done = loop.run(stop.signal)
    await expect.poll(() => runner.running).toBe(1)
    runner.finish()
    await clock.waitForSleepers(1)
    const now = loop.trigger('manual')
    await expect.poll(() => runner.started).toEqual(['start', 'manual'])
    runner.finish()
    expect(await now).toBe(2)
    await clock.waitForSleepers(1)
    stop.abort()
    await done
  })

  it('answers waiters with the stopped value when it stops first', async () => {
    const clock = new FakeClock()
    const runner = gatedRunner()
    const loop = new ReconcileLoop({
      clock,
      random: seededRandom(),
      intervalMs: MINUTE,
      runCycle: runner.runCycle,
      stopped: -1,
    })
    const stop = new AbortController()
    const done = loop.run(stop.signal)
    await expect.poll(() => runner.running).toBe(1)
    const waiting = loop.trigger('manual')
    stop.abort()
    runner.finish()
    await done
    expect(await waiting).toBe(-1)
  })

  it('stops after the running cycle when stopped during it, without waiting an interval', async () => {
    const clock = new FakeClock()
    const runner = gatedRunner()
    const loop = new ReconcileLoop({
      clock,
      random: seededRandom(),
      intervalMs: MINUTE,
      runCycle: runner.runCycle,
      stopped: 0,
    })
    const stop = new AbortController()
    const done = loop.run(stop.signal)
    await expect.poll(() => runner.started).toEqual(['start'])
    stop.abort()
    runner.finish()
    await done
    expect(clock.sleeperCount).toBe(0)
    expect(loop.completed).toBe(1)
  })
})
