import { describe, expect, it } from 'vitest'
import {
  authorizedEntries,
  indexEntries,
  updateEntryIndex,
  type AuthorizedEntryIndex,
} from '../../../../engine/api/authorized-entries.js'
import type { LiveEntry } from '../../../../engine/plan/types.js'
import { seededRandom } from '../../../support/seeded-random.js'

const TD = 'example.org'
const SERVER = `spiffe://${TD}/spire/server`
const AGENTS = [0, 1, 2].map((n) => `spiffe://${TD}/spire/agent/join_token/host-${n}`)
// parents: agents, the server (node aliases), workloads (nested), another trust domain, an alias
const PARENTS = [...AGENTS, SERVER, `spiffe://${TD}/w/1`, `spiffe://${TD}/w/2`, 'spiffe://other.org/x']
const SPIFFE_IDS = [1, 2, 3, 4, 5].map((n) => `spiffe://${TD}/w/${n}`).concat(`spiffe://${TD}/alias`)

function entry(id: string, spiffeId: string, parentId: string, selectors: string[], hint: string): LiveEntry {
  return {
    id,
    kind: parentId === SERVER ? 'Node' : 'Entry',
    name: id,
    spiffeId,
    parentId,
    selectors,
    x509SvidTtlSeconds: 0,
    jwtSvidTtlSeconds: 0,
    dnsNames: [],
    federatesWith: [],
    hint,
    admin: false,
    downstream: false,
    protect: false,
    roles: [],
    expiresAt: 0,
    revisionNumber: 0,
    createdAt: 0,
    sourceFile: '',
    sourceCommit: '',
  }
}

/** What every agent (with and without the alias's node selector) is authorized for. */
function answers(index: AuthorizedEntryIndex): unknown {
  const byAgent = AGENTS.flatMap((agentId) =>
    [[], ['k8s_psat:cluster:a']].map((extra) =>
      authorizedEntries(index, { agentId, selectors: [`spiffe_id:${agentId}`, ...extra] }).map(
        (e) => `${e.id}:${e.hint}`,
      ),
    ),
  )
  const byId = [...index.byId.values()].map((e) => `${e.id}:${e.hint}`).sort()
  return { byAgent, byId, aliases: index.aliases.map((a) => a.id).sort() }
}

describe('updateEntryIndex', () => {
  it('authorizes exactly what a fresh index does, over random creates, moves and deletes', () => {
    const random = seededRandom(11)
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random.unit() * list.length)] as T
    let live = new Map<string, LiveEntry>()
    let index = indexEntries([], TD)
    for (let step = 0; step < 300; step++) {
      const next = new Map(live)
      const changed: LiveEntry[] = []
      const deleted: string[] = []
      for (let k = 1 + Math.floor(random.unit() * 4); k > 0; k--) {
        const id = `sigil.${Math.floor(random.unit() * 12)}`
        if (next.has(id) && random.unit() < 0.35) {
          next.delete(id)
          deleted.push(id)
          continue
        }
        const selectors = random.unit() < 0.5 ? ['k8s_psat:cluster:a'] : ['unix:uid:1']
        const e = entry(id, pick(SPIFFE_IDS), pick(PARENTS), selectors, `step-${step}`)
        next.set(id, e)
        changed.push(e)
      }
      // the store reports each ID once: as it is now, or deleted
      const changedNow = [...new Map(changed.map((e) => [e.id, e])).values()].filter((e) => next.has(e.id))
      // an ID created and deleted in between is reported deleted too
      const deletedNow = [...new Set(deleted)].filter((id) => !next.has(id))
      const before = answers(index)
      const previous = index
      index = updateEntryIndex(index, { entries: changedNow, deletedEntryIds: deletedNow })
      expect(answers(index), `step ${step}`).toEqual(answers(indexEntries([...next.values()], TD)))
      expect(answers(previous), 'the previous index is left as it was').toEqual(before)
      live = next
    }
  })
})
