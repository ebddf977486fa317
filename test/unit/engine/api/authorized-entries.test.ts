import { describe, expect, it } from 'vitest'
import {
  authorizedEntries,
  indexEntries,
  matchingAliases,
} from '../../../../engine/api/authorized-entries.js'
import type { LiveEntry } from '../../../../engine/plan/types.js'

const TD = 'example.org'
const AGENT = 'spiffe://example.org/spire/agent/join_token/host-a'
const OTHER = 'spiffe://example.org/spire/agent/join_token/host-b'
const SERVER = 'spiffe://example.org/spire/server'

function entry(
  id: string,
  spiffeId: string,
  parentId: string,
  selectors: string[] = ['unix:uid:1'],
): LiveEntry {
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
    hint: '',
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

const ids = (entries: readonly LiveEntry[]) => entries.map((e) => e.id)
const agent = (selectors: string[] = [], aliasIds: string[] = []) => ({
  agentId: AGENT,
  selectors: [`spiffe_id:${AGENT}`, ...selectors],
  aliasIds,
})

describe('authorizedEntries', () => {
  it('returns entries parented to the agent, and nothing of another agent', () => {
    const index = indexEntries(
      [entry('a', 'spiffe://example.org/web', AGENT), entry('b', 'spiffe://example.org/db', OTHER)],
      TD,
    )
    expect(ids(authorizedEntries(index, agent()))).toEqual(['a'])
  })

  it('follows nested parents recursively', () => {
    const index = indexEntries(
      [
        entry('c', 'spiffe://example.org/leaf', 'spiffe://example.org/mid'),
        entry('b', 'spiffe://example.org/mid', 'spiffe://example.org/top'),
        entry('a', 'spiffe://example.org/top', AGENT),
      ],
      TD,
    )
    expect(ids(authorizedEntries(index, agent()))).toEqual(['a', 'b', 'c'])
  })

  it('terminates on cycles and returns each entry once', () => {
    const index = indexEntries(
      [
        entry('a', 'spiffe://example.org/x', AGENT),
        entry('b', 'spiffe://example.org/y', 'spiffe://example.org/x'),
        entry('c', 'spiffe://example.org/x', 'spiffe://example.org/y'),
        entry('d', 'spiffe://example.org/self', 'spiffe://example.org/self'),
      ],
      TD,
    )
    expect(ids(authorizedEntries(index, agent()))).toEqual(['a', 'b', 'c'])
  })

  it('reaches entries through node aliases whose selectors are a subset of the node selectors', () => {
    const index = indexEntries(
      [
        entry('alias', 'spiffe://example.org/nodes/prod', SERVER, ['k8s_psat:cluster:prod']),
        entry('alias2', 'spiffe://example.org/nodes/both', SERVER, [
          'k8s_psat:cluster:prod',
          'k8s_psat:agent_ns:x',
        ]),
        entry('w1', 'spiffe://example.org/w1', 'spiffe://example.org/nodes/prod'),
        entry('w2', 'spiffe://example.org/w2', 'spiffe://example.org/nodes/both'),
      ],
      TD,
    )
    const node = agent(['k8s_psat:cluster:prod', 'k8s_psat:agent_ns:spire'])
    expect(matchingAliases(index, node.selectors)).toEqual(['spiffe://example.org/nodes/prod'])
    expect(ids(authorizedEntries(index, node))).toEqual(['w1'])
    expect(ids(authorizedEntries(index, agent()))).toEqual([])
  })

  it('matches a spiffe_id alias (join token --spiffe-id) and explicit alias IDs', () => {
    const index = indexEntries(
      [
        entry('alias', 'spiffe://example.org/hosts/a', SERVER, [`spiffe_id:${AGENT}`]),
        entry('w1', 'spiffe://example.org/w1', 'spiffe://example.org/hosts/a'),
        entry('w2', 'spiffe://example.org/w2', 'spiffe://example.org/pinned'),
      ],
      TD,
    )
    expect(ids(authorizedEntries(index, agent([], ['spiffe://example.org/pinned'])))).toEqual(['w1', 'w2'])
  })

  it('ignores entries outside the trust domain and never returns node aliases themselves', () => {
    const index = indexEntries(
      [
        entry('foreign', 'spiffe://other.org/w', AGENT),
        entry('alias', 'spiffe://example.org/nodes/all', SERVER, [`spiffe_id:${AGENT}`]),
        entry('w', 'spiffe://example.org/w', AGENT),
      ],
      TD,
    )
    expect(ids(authorizedEntries(index, agent()))).toEqual(['w'])
  })

  it('indexes 100k entries and answers for one agent without walking the rest', () => {
    const entries: LiveEntry[] = []
    for (let i = 0; i < 100_000; i++) {
      const parent = i % 1000 === 0 ? AGENT : `spiffe://example.org/spire/agent/join_token/h${i % 97}`
      entries.push(entry(`e${String(i).padStart(6, '0')}`, `spiffe://example.org/w/${i}`, parent))
    }
    const index = indexEntries(entries, TD)
    expect(authorizedEntries(index, agent())).toHaveLength(100)
  })
})
