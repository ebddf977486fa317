/**
 * The federation poller against real https_spiffe endpoints and a real SQLite store, on a fake
 * clock: first fetch at once, polls per refresh hint, failures keep the last good bundle and back
 * off, an older sequence is refused, a removed relationship drops its bundle (history stays), and a
 * follower replica picks up what the leader stored.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { encodeBundleJson, type TrustBundle } from '../../../engine/ca/bundle.js'
import { ServerSvid } from '../../../engine/api/server-svid.js'
import { startBundleEndpoint, type BundleEndpoint } from '../../../engine/federation/bundle-endpoint.js'
import { FederationService } from '../../../engine/federation/federation-service.js'
import type { LiveFederationBundle } from '../../../engine/plan/types.js'
import type { ForeignBundleStore } from '../../../engine/store/foreign-bundle-store.js'
import type { NodeStore } from '../../../engine/store/node-store.js'
import { openSqliteForeignBundleStore } from '../../../engine/store/sqlite-foreign-bundles.js'
import { openSqliteNodeStore } from '../../../engine/store/sqlite-nodes.js'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { makeTestCa, tmp, type TestCa } from '../../fixtures/ca/test-ca.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'
import { quietLogger } from './endpoints.js'

const TD = 'partner.example'
const MINUTE = 60_000
let dir: string
let partner: TestCa
let local: TestCa
let served: TrustBundle
let endpoint: BundleEndpoint
const closers: { close(): Promise<void> }[] = []

async function startEndpoint(): Promise<BundleEndpoint> {
  const ep = await startBundleEndpoint({
    host: '127.0.0.1',
    port: 0,
    profile: 'https_spiffe',
    bundle: () => served,
    refreshHintSeconds: 120,
    clock: partner.clock,
    logger: quietLogger,
    serverSvid: new ServerSvid(partner.ca, partner.clock, TD),
  })
  closers.push(ep)
  return ep
}

const relationship = (port: number, overrides: Partial<LiveFederationBundle> = {}): LiveFederationBundle => ({
  name: 'partner',
  trustDomain: TD,
  endpointUrl: `https://127.0.0.1:${port}/`,
  endpointProfile: 'https_spiffe',
  endpointSpiffeId: `spiffe://${TD}/spire/server`,
  bundle: encodeBundleJson(partner.ca.bundle()),
  ...overrides,
})

interface Replica {
  readonly service: FederationService
  readonly store: ForeignBundleStore
  changes: number
}

function replica(
  path: string,
  clock: FakeClock,
  rels: () => LiveFederationBundle[],
  leader: () => boolean,
  nodes: NodeStore,
): Replica {
  const store = openSqliteForeignBundleStore(path)
  closers.push(store)
  const r: Replica = {
    store,
    changes: 0,
    service: new FederationService({
      store,
      relationships: async () => rels(),
      localBundle: () => local.ca.bundle(),
      clock,
      logger: quietLogger,
      isLeader: leader,
      dataVersion: () => nodes.dataVersion(),
      onChange: () => (r.changes += 1),
      timing: { minRefreshMs: MINUTE, defaultRefreshMs: 5 * MINUTE },
    }),
  }
  return r
}

beforeAll(async () => {
  dir = tmp('sigil-federation-')
  partner = await makeTestCa({ trustDomain: TD })
  local = await makeTestCa({ trustDomain: 'example.org', keyOffset: 3 })
  served = { ...partner.ca.bundle(), sequence: 100 }
  endpoint = await startEndpoint()
})

afterAll(async () => {
  for (const c of closers.reverse()) await c.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('FederationService', () => {
  it('polls per refresh hint, keeps the last good bundle on failure, and drops a removed relationship', async () => {
    const path = join(dir, 'leader.db')
    const registration = openSqliteStore(
      path,
      { clock: partner.clock, random: seededRandom(1) },
      { create: true },
    )
    closers.push(registration)
    const nodes = openSqliteNodeStore(path)
    closers.push(nodes)
    const clock = new FakeClock(partner.clock.now())
    let rels = [relationship(endpoint.port)]
    const leader = replica(
      path,
      clock,
      () => rels,
      () => true,
      nodes,
    )
    await leader.service.start()
    const state = async () => (await leader.store.listForeignBundles())[0]

    // a new relationship is fetched at once, authenticated by the pinned bootstrap bundle
    await leader.service.tick()
    await vi.waitFor(async () => expect((await state())?.lastSuccessAtMs).toBe(clock.now()))
    expect(leader.changes).toBe(1)
    expect(leader.service.fetchedBundles().get(TD)?.sequence).toBe(served.sequence)
    expect((await state())?.nextAttemptAtMs).toBe(clock.now() + 2 * MINUTE)

    // not due yet: no fetch; due: an unchanged fetch, no change published
    served = { ...served, sequence: served.sequence + 1 }
    clock.advance(MINUTE)
    await leader.service.tick()
    expect((await state())?.lastAttemptAtMs).toBe(clock.now() - MINUTE)
    clock.advance(MINUTE)
    await leader.service.tick()
    await vi.waitFor(async () => expect((await state())?.sequence).toBe(served.sequence))
    expect(leader.changes).toBe(2)
    expect((await leader.store.listForeignBundleHistory(TD)).map((v) => v.sequence)).toEqual([
      served.sequence,
      served.sequence - 1,
    ])

    // the partner goes away: the failure is recorded, the bundle stays, the retry comes at 1/4 interval
    await endpoint.close()
    const good = leader.service.fetchedBundles().get(TD)
    clock.advance(2 * MINUTE)
    await leader.service.tick()
    await vi.waitFor(async () => expect((await state())?.consecutiveFailures).toBe(1))
    expect((await state())?.lastError).toMatch(/cannot fetch the bundle of partner\.example/)
    expect((await state())?.nextAttemptAtMs).toBe(clock.now() + 30_000)
    expect(leader.service.fetchedBundles().get(TD)).toBe(good)

    // back on another port, serving an OLDER sequence: refused, the newer bundle stays
    endpoint = await startEndpoint()
    served = { ...served, sequence: 50 }
    rels = [relationship(endpoint.port)]
    await leader.service.tick()
    await vi.waitFor(async () => expect((await state())?.consecutiveFailures).toBe(2))
    expect((await state())?.lastError).toMatch(/older than/)
    expect(leader.service.fetchedBundles().get(TD)).toBe(good)
    served = { ...served, sequence: 200 }
    clock.advance(MINUTE)
    await leader.service.tick()
    await vi.waitFor(async () => expect((await state())?.consecutiveFailures).toBe(0))
    expect(leader.service.fetchedBundles().get(TD)?.sequence).toBe(served.sequence)

    // the relationship leaves Git: its bundle goes, the history stays
    rels = []
    const changes = leader.changes
    await leader.service.tick()
    expect(await leader.store.listForeignBundles()).toEqual([])
    expect(leader.service.fetchedBundles().size).toBe(0)
    expect(leader.changes).toBe(changes + 1)
    expect((await leader.store.listForeignBundleHistory(TD)).length).toBe(3)
  })

  it('a follower serves what the leader fetched, and fetches nothing itself', async () => {
    const path = join(dir, 'replicas.db')
    const registration = openSqliteStore(
      path,
      { clock: partner.clock, random: seededRandom(2) },
      { create: true },
    )
    closers.push(registration)
    const clock = new FakeClock(partner.clock.now())
    const rels = [relationship(endpoint.port)]
    const followerNodes = openSqliteNodeStore(path)
    closers.push(followerNodes)
    const follower = replica(
      path,
      clock,
      () => rels,
      () => false,
      followerNodes,
    )
    await follower.service.start()
    await follower.service.tick()
    expect(await follower.store.listForeignBundles()).toEqual([])

    const leaderNodes = openSqliteNodeStore(path)
    closers.push(leaderNodes)
    const leader = replica(
      path,
      clock,
      () => rels,
      () => true,
      leaderNodes,
    )
    await leader.service.start()
    await leader.service.tick()
    await vi.waitFor(() => expect(leader.service.fetchedBundles().has(TD)).toBe(true))
    await follower.service.tick()
    expect(follower.service.fetchedBundles().get(TD)?.sequence).toBe(served.sequence)
    expect(follower.changes).toBe(1)
  })
})
