import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { entryKey } from '../../../../engine/core/entry-key.js'
import { KINDS } from '../../../../engine/model/types.js'
import { computeAccessChanges } from '../../../../engine/plan/access-changes.js'
import { encodePlan } from '../../../../engine/plan/codec.js'
import { digestDesiredState } from '../../../../engine/plan/desired-digest.js'
import { liveStateFromDesired } from '../../../../engine/plan/live-from-desired.js'
import { makePlan } from '../../../../engine/plan/make-plan.js'
import { compareChanges } from '../../../../engine/plan/order.js'
import { changedEntryFields, recordKey } from '../../../../engine/plan/plan-entries.js'
import { ENTRY_MUTABLE_FIELDS, entryRecordFromLive } from '../../../../engine/plan/records.js'
import type { Change, LiveState, Plan } from '../../../../engine/plan/types.js'
import { desiredFromFixture, fixtureMeta, liveFromFixture, loadFixture } from './helpers.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')

function planFor(name: string): Plan {
  const { desired, live, meta } = loadFixture(join(FIXTURES, name))
  return makePlan(desired, live, meta)
}

const brief = (c: Change) => `${c.action} ${c.kind} ${c.name}`
const T1 = 'spiffe://example.org/spire/agent/join_token/t1'

describe('makePlan', () => {
  it('creates everything against an empty store, minting IDs from the key', () => {
    const plan = planFor('create-from-empty')
    expect(plan.summary).toEqual({
      create: 9,
      update: 0,
      delete: 0,
      unchanged: 0,
      unmanaged: 0,
      conflicts: 0,
    })
    const web = plan.changes.find((c) => c.name === 'web')
    const key = entryKey('spiffe://example.org/production/web', 'spiffe://example.org/nodes/production', [
      'k8s:sa:web',
      'k8s:ns:web',
    ])
    expect(web).toMatchObject({ action: 'create', kind: 'Entry', key, id: `sigil.${key.slice(0, 32)}` })
    const node = plan.changes.find((c) => c.kind === 'Node')
    expect(node?.after).toMatchObject({
      kind: 'Node',
      parentId: 'spiffe://example.org/spire/server',
      roles: [],
    })
    expect(plan.safety).toEqual({ entryIdPrefix: 'sigil.', maxDeletions: { kind: 'percent', value: 10 } })
  })

  it('plans nothing against the state its own live projection describes', () => {
    const { desired } = loadFixture(join(FIXTURES, 'create-from-empty'))
    const plan = makePlan(desired, liveStateFromDesired(desired, { lineage: 'L' }), fixtureMeta())
    expect(plan.changes).toEqual([])
    expect(plan.summary).toMatchObject({ create: 0, update: 0, delete: 0, unchanged: 9 })
    expect(plan.accessChanges).toEqual([])
    expect(plan.widensAccess).toBe(false)
    expect(plan.base).toEqual({ kind: 'store', lineage: 'L', revision: 0 })
  })

  it('updates a TTL, DNS name or hint in place, keeping the live ID and listing sorted fields', () => {
    const plan = planFor('ttl-update-keeps-id')
    expect(plan.changes).toHaveLength(1)
    expect(plan.changes[0]).toMatchObject({
      action: 'update',
      kind: 'Entry',
      name: 'web',
      id: 'sigil.adopted-web-0001',
      fields: ['dnsNames', 'hint', 'x509SvidTtlSeconds'],
      before: { x509SvidTtlSeconds: 0, dnsNames: ['web.internal'], hint: '' },
      after: { x509SvidTtlSeconds: 7200, dnsNames: ['web.internal', 'web'], hint: 'frontend' },
    })
    expect(plan.summary.unchanged).toBe(2) // the trust domain and the entry with an unset TTL (= 0)
  })

  it('treats an explicit TTL equal to the default as a change from "unset"', () => {
    const desired = desiredFromFixture({
      trustDomain: { name: 'example.org' },
      entries: [
        {
          name: 'a',
          spec: {
            spiffeId: 'spiffe://example.org/a',
            parentId: T1,
            selectors: ['unix:uid:1'],
            x509SvidTtlSeconds: 3600,
          },
        },
      ],
    })
    const live = liveFromFixture({
      trustDomain: 'example.org',
      entries: [
        {
          id: 'sigil.a',
          name: 'a',
          spiffeId: 'spiffe://example.org/a',
          parentId: T1,
          selectors: ['unix:uid:1'],
        },
      ],
    })
    expect(makePlan(desired, live, fixtureMeta()).changes.map((c) => c.fields)).toEqual([
      ['x509SvidTtlSeconds'],
    ])
  })

  it('turns a key change into a delete plus a create', () => {
    const plan = planFor('key-change')
    expect(plan.changes.map(brief).sort()).toEqual([
      'create Entry api',
      'create Entry web',
      'delete Entry api',
      'delete Entry web',
    ])
    const ids = plan.changes.map((c) => c.id)
    expect(new Set(ids).size).toBe(4)
  })

  it('never touches unmanaged entries and reports a key held by one', () => {
    const plan = planFor('unmanaged')
    expect(plan.summary).toMatchObject({ create: 1, delete: 1, unmanaged: 2, conflicts: 1 })
    expect(plan.changes.every((c) => c.id?.startsWith('gitops.'))).toBe(true)
    expect(plan.changes.map(brief)).not.toContain('create Entry billing')
    expect(plan.diagnostics).toEqual([
      expect.objectContaining({
        code: 'ERR_PLAN_UNMANAGED_CONFLICT',
        severity: 'warning',
        object: 'Entry/billing',
        span: expect.objectContaining({ file: 'billing.yaml', line: 4 }),
      }),
    ])
    expect(plan.changes.find((c) => c.action === 'delete')?.before).toMatchObject({ protect: true })
  })

  it('reports scopes gained and lost through roles, and widensAccess', () => {
    const plan = planFor('role-change-access')
    expect(plan.accessChanges).toEqual([
      {
        spiffeId: 'spiffe://shop.example/checkout',
        gained: [{ scope: 'read:payments', via: 'reader' }],
        lost: [],
      },
      {
        spiffeId: 'spiffe://shop.example/fulfilment',
        gained: [],
        lost: [{ scope: 'write:orders', via: 'writer' }],
      },
      {
        spiffeId: 'spiffe://shop.example/reports',
        gained: [{ scope: 'read:payments', via: 'reader' }],
        lost: [],
      },
    ])
    expect(plan.widensAccess).toBe(true)
    expect(plan.base).toEqual({ kind: 'git', lineage: '', revision: 0, ref: 'origin/main' })
  })

  it('restricts access computation to affected IDs without changing the result', () => {
    const { desired, live, meta } = loadFixture(join(FIXTURES, 'mixed-ordering'))
    const plan = makePlan(desired, live, meta)
    const unmanaged = live.entries.filter((e) => !e.id.startsWith('sigil.'))
    const after = [...desired.entries.map((e) => e.spec), ...unmanaged]
    const roles = desired.roles.map((r) => ({ name: r.metadata.name, scopes: r.spec.scopes }))
    expect(plan.accessChanges).toEqual(computeAccessChanges(live, { entries: after, roles }))
  })

  it('counts an unmanaged entry holding a changed role as gaining access', () => {
    const desired = desiredFromFixture({
      trustDomain: { name: 'example.org' },
      roles: [{ name: 'r', spec: { scopes: ['a', 'b'] } }],
    })
    const live: LiveState = {
      ...liveFromFixture({
        trustDomain: 'example.org',
        entries: [{ id: 'manual-1', spiffeId: 'spiffe://example.org/m', roles: ['r'] }],
      }),
      roles: [{ name: 'r', description: '', scopes: ['a'] }],
    }
    const plan = makePlan(desired, live, fixtureMeta())
    expect(plan.accessChanges).toEqual([
      { spiffeId: 'spiffe://example.org/m', gained: [{ scope: 'b', via: 'r' }], lost: [] },
    ])
  })

  it('plans node aliases as entries parented on the server', () => {
    const plan = planFor('node-alias')
    expect(plan.changes.map(brief).sort()).toEqual([
      'create Entry api-staging',
      'create Node staging-nodes',
      'delete Node staging-nodes',
      'update Node prod-nodes',
    ])
    expect(plan.changes.find((c) => c.action === 'update')?.fields).toEqual(['protect'])
  })

  it('plans scopes, roles, bundles, policies and trust domain settings by name', () => {
    const plan = planFor('named-kinds')
    const got = Object.fromEntries(plan.changes.map((c) => [`${c.kind}/${c.name}`, c.fields ?? c.action]))
    expect(got).toEqual({
      'TrustDomain/example.org': ['maxDeletions', 'x509SvidTtlSeconds'],
      'Scope/inventory:audit': 'create',
      'Scope/inventory:read': ['description'],
      'Scope/inventory:write': 'delete',
      'Role/stock-auditor': 'create',
      'Role/stock-reader': ['scopes'],
      'Role/stock-writer': 'delete',
      'FederationBundle/partner-a': ['endpointUrl'],
      'FederationBundle/partner-b': 'delete',
      'FederationBundle/partner-c': 'create',
      'Policy/no-admin': ['specJson'],
      'Policy/prod-labels': 'create',
      'Policy/short-ttl': 'delete',
    })
  })

  it('orders changes by kind then key, totally', () => {
    const plan = planFor('mixed-ordering')
    const sorted = [...plan.changes].sort(compareChanges)
    expect(plan.changes).toEqual(sorted)
    const kinds = plan.changes.map((c) => KINDS.indexOf(c.kind))
    expect(kinds).toEqual([...kinds].sort((a, b) => a - b))
  })

  it('adopts the lowest ID of managed duplicates and deletes the others', () => {
    const desired = desiredFromFixture({
      trustDomain: { name: 'example.org' },
      entries: [
        { name: 'a', spec: { spiffeId: 'spiffe://example.org/a', parentId: T1, selectors: ['unix:uid:1'] } },
      ],
    })
    const dup = { name: 'a', spiffeId: 'spiffe://example.org/a', parentId: T1, selectors: ['unix:uid:1'] }
    const live = liveFromFixture({
      trustDomain: 'example.org',
      entries: [
        { ...dup, id: 'sigil.b' },
        { ...dup, id: 'sigil.a' },
      ],
    })
    const plan = makePlan(desired, live, fixtureMeta())
    expect(plan.changes).toEqual([expect.objectContaining({ action: 'delete', id: 'sigil.b' })])
  })

  it('ignores the order of live set-like arrays', () => {
    const desired = desiredFromFixture({
      trustDomain: { name: 'example.org' },
      roles: [{ name: 'r', spec: { scopes: ['a', 'b'] } }],
      entries: [
        {
          name: 'a',
          spec: {
            spiffeId: 'spiffe://example.org/a',
            parentId: T1,
            selectors: ['unix:uid:1', 'unix:gid:1'],
            roles: ['y', 'x'],
          },
        },
      ],
    })
    const live: LiveState = {
      ...liveFromFixture({
        trustDomain: 'example.org',
        entries: [
          {
            id: 'sigil.1',
            name: 'a',
            spiffeId: 'spiffe://example.org/a',
            parentId: T1,
            selectors: ['unix:uid:1', 'unix:gid:1'],
            roles: ['y', 'x'],
          },
        ],
      }),
      roles: [{ name: 'r', description: '', scopes: ['b', 'a'] }],
    }
    expect(makePlan(desired, live, fixtureMeta()).changes).toEqual([])
  })

  it('refuses a desired state without a trust domain or with duplicate keys', () => {
    const live = liveFromFixture({})
    expect(() => makePlan(desiredFromFixture({}), live, fixtureMeta())).toThrow(
      expect.objectContaining({ code: 'ERR_PLAN_INVALID_INPUT' }),
    )
    const spec = { spiffeId: 'spiffe://example.org/a', parentId: T1, selectors: ['unix:uid:1'] }
    const twice = desiredFromFixture({
      trustDomain: { name: 'example.org' },
      entries: [
        { name: 'a', spec },
        { name: 'b', spec },
      ],
    })
    expect(() => makePlan(twice, live, fixtureMeta())).toThrow(
      expect.objectContaining({ code: 'ERR_PLAN_INVALID_INPUT' }),
    )
  })

  it('gives the same bytes apart from createdAt', () => {
    const { desired, live, meta } = loadFixture(join(FIXTURES, 'mixed-ordering'))
    const a = encodePlan(makePlan(desired, live, meta)).split('\n')
    const b = encodePlan(makePlan(desired, live, { ...meta, createdAtMs: meta.createdAtMs + 1000 })).split(
      '\n',
    )
    const differing = a.filter((line, i) => line !== b[i])
    expect(differing).toEqual([expect.stringContaining('"createdAt"')])
  })
})

describe('digestDesiredState', () => {
  it('is independent of list order and sensitive to content', () => {
    const { desired } = loadFixture(join(FIXTURES, 'mixed-ordering'))
    const reversed = {
      ...desired,
      entries: [...desired.entries].reverse(),
      roles: [...desired.roles].reverse(),
    }
    expect(digestDesiredState(reversed)).toBe(digestDesiredState(desired))
    const [first, ...rest] = desired.entries
    const edited = { ...desired, entries: [{ ...first!, spec: { ...first!.spec, hint: 'x' } }, ...rest] }
    expect(digestDesiredState(edited)).not.toBe(digestDesiredState(desired))
    expect(makePlan(desired, liveFromFixture({}), fixtureMeta()).desiredDigest).toBe(
      digestDesiredState(desired),
    )
  })
})

describe('changedEntryFields', () => {
  const live = liveFromFixture({
    entries: [
      {
        id: 'sigil.1',
        name: 'a',
        spiffeId: 'spiffe://example.org/a',
        parentId: T1,
        selectors: ['unix:uid:1'],
      },
    ],
  }).entries[0]!
  const record = entryRecordFromLive(live)
  const other: Record<string, unknown> = {
    kind: 'Node',
    name: 'b',
    x509SvidTtlSeconds: 60,
    jwtSvidTtlSeconds: 60,
    dnsNames: ['x'],
    federatesWith: ['td.example'],
    hint: 'h',
    admin: true,
    downstream: true,
    protect: true,
    roles: ['r'],
    expiresAt: 1,
    sourceFile: 'other.yaml',
  }

  it('compares exactly the mutable fields, reporting them in sorted order', () => {
    expect(Object.keys(other).sort()).toEqual([...ENTRY_MUTABLE_FIELDS].sort())
    for (const field of ENTRY_MUTABLE_FIELDS) {
      expect(changedEntryFields(live, { ...record, [field]: other[field] })).toEqual([field])
    }
    expect(changedEntryFields(live, { ...record, ...other })).toEqual([...ENTRY_MUTABLE_FIELDS].sort())
    expect(changedEntryFields(live, record)).toEqual([])
  })
})

describe('recordKey', () => {
  it('equals entryKey for sorted, unsorted and duplicated selectors', () => {
    for (const selectors of [['a:1', 'b:2'], ['b:2', 'a:1'], ['b:2', 'a:1', 'b:2'], [], ['k8s:ns:x']]) {
      const r = { spiffeId: 'spiffe://td/x', parentId: 'spiffe://td/p', selectors }
      expect(recordKey(r)).toBe(entryKey(r.spiffeId, r.parentId, selectors))
    }
  })
})
