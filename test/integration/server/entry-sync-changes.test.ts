/**
 * EntrySync keeps its index up to date with the store's entry changes: after commits by another
 * process (creates, updates, re-parenting, node aliases, deletes) every agent stream carries exactly
 * what a server starting fresh would send, and the live state is read in full only once.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EntrySync, type SyncMessage } from '../../../engine/api/entry-sync.js'
import { entryKey } from '../../../engine/core/entry-key.js'
import type { AttestedNode, NodeStore } from '../../../engine/store/node-store.js'
import type { RegistrationStore, StoreWrite } from '../../../engine/store/registration-store.js'
import { openSqliteNodeStore } from '../../../engine/store/sqlite-nodes.js'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { FakeClock } from '../../support/fake-clock.js'
import { tempDir } from '../../support/git.js'
import { seededRandom } from '../../support/seeded-random.js'
import { commit, entryRecord } from '../../unit/engine/store/support.js'

const TD = 'example.org'
const agentId = (n: number) => `spiffe://${TD}/spire/agent/join_token/host-${n}`
const SERVER = `spiffe://${TD}/spire/server`

function node(n: number): AttestedNode {
  return {
    agentId: agentId(n),
    attestationType: 'join_token',
    selectors: [`spiffe_id:${agentId(n)}`, `k8s_psat:cluster:c${n}`],
    aliasIds: [],
    svidSerial: '01',
    svidExpiresAtMs: 10_000_000,
    banned: false,
    createdAtMs: 0,
    updatedAtMs: 0,
  }
}

const entry = (n: number, parentId: string, hint = '', selectors = ['unix:uid:1', `unix:gid:${n}`]) =>
  entryRecord(n, {
    parentId,
    hint,
    selectors,
    ...(parentId === SERVER ? { kind: 'Node' as const } : {}),
  })
const create = (e: ReturnType<typeof entry>): StoreWrite => ({ kind: 'entry', action: 'create', entry: e })
const update = (e: ReturnType<typeof entry>): StoreWrite => ({ kind: 'entry', action: 'update', entry: e })
const remove = (e: ReturnType<typeof entry>): StoreWrite => ({
  kind: 'entry',
  action: 'delete',
  id: e.id,
  key: entryKey(e.spiffeId, e.parentId, e.selectors),
})

/** Counts full reads of the live state. */
function counted(store: RegistrationStore): { store: RegistrationStore; fullReads: () => number } {
  let n = 0
  const wrapped = Object.create(store) as RegistrationStore
  wrapped.readLiveState = () => {
    n++
    return store.readLiveState()
  }
  return { store: wrapped, fullReads: () => n }
}

describe('entry sync by changes', () => {
  const closers: (() => unknown)[] = []
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  const open = (path: string) => {
    const store = openSqliteStore(path, { clock: new FakeClock(), random: seededRandom(3) }, { create: true })
    const nodes = openSqliteNodeStore(path)
    closers.push(
      () => store.close(),
      () => nodes.close(),
    )
    return { store, nodes }
  }

  const syncFor = (store: RegistrationStore, nodes: NodeStore) =>
    new EntrySync({
      store,
      nodes,
      clock: new FakeClock(),
      trustDomain: TD,
      bundle: () => ({ trustDomain: TD, x509Authorities: [], jwtAuthorities: [], sequence: 1 }),
      checkNode: (id) => Promise.resolve(node(Number(id.slice(-1)))),
    })

  /** What a server starting now would send to agent `n`. */
  const freshMessage = async (path: string, n: number): Promise<SyncMessage> => {
    const { store, nodes } = open(path)
    let first: SyncMessage | undefined
    await syncFor(store, nodes).subscribe(node(n), {
      send: (m) => (first ??= m),
      fail: () => undefined,
      end: () => undefined,
    })
    return first as SyncMessage
  }

  it('streams what a fresh server would after commits by another process, reading in full once', async () => {
    const path = join(tempDir(), 'sigil.db')
    const writer = open(path).store
    const server = open(path)
    const { store, fullReads } = counted(server.store)
    const sync = syncFor(store, server.nodes)
    const last = new Map<number, SyncMessage>()
    for (const n of [0, 1]) {
      await sync.subscribe(node(n), {
        send: (m) => last.set(n, m),
        fail: (err) => {
          throw err
        },
        end: () => undefined,
      })
    }
    const alias = entry(9, SERVER, '', ['k8s_psat:cluster:c1'])
    const steps: StoreWrite[][] = [
      [create(entry(1, agentId(0))), create(entry(2, agentId(0))), create(entry(3, agentId(1)))],
      // a child of entry 1's SPIFFE ID: authorized through it; and a node alias host-1 belongs to
      [create(entry(4, entryRecord(1).spiffeId)), create(alias), create(entry(5, alias.spiffeId))],
      [update(entry(2, agentId(0), 'edited')), remove(entry(3, agentId(1)))],
      // re-parented: a different key, so a delete and a create under the same ID
      [remove(entry(1, agentId(0))), create(entry(1, agentId(1), 'moved'))],
      [remove(alias), create(entry(3, agentId(0), 'back'))],
    ]
    for (const writes of steps) {
      await commit(writer, writes)
      await sync.refresh()
      for (const n of [0, 1]) expect(last.get(n)).toEqual(await freshMessage(path, n))
    }
    expect(
      last
        .get(0)
        ?.entries.map((e) => e.hint)
        .sort(),
    ).toEqual(['back', 'edited'])
    expect(fullReads()).toBe(1)
    sync.endAll()
  })
})
