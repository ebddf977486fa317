import { describe, expect, it } from 'vitest'
import {
  applySync,
  emptyCache,
  entriesNeedingSvid,
  matchingSvids,
  nextEventAtMs,
  storeSvid,
  svidFingerprint,
  type CachedBundle,
  type CachedEntry,
  type CachedX509Svid,
  type SyncState,
} from '../../../../agent/svid/cache.js'

const bundle: CachedBundle = {
  trustDomain: 'example.org',
  x509AuthoritiesDer: [Buffer.from('root')],
  jwtAuthorities: [],
  sequence: 1,
}

function entry(id: string, over: Partial<CachedEntry> = {}): CachedEntry {
  return {
    id,
    spiffeId: `spiffe://example.org/${id}`,
    parentId: 'spiffe://example.org/spire/agent/join_token/host',
    selectors: [`unix:uid:${id === 'b' ? 1002 : 1001}`],
    x509SvidTtlSeconds: 3600,
    jwtSvidTtlSeconds: 300,
    dnsNames: [],
    federatesWith: [],
    hint: '',
    revisionNumber: 1,
    ...over,
  }
}

const sync = (entries: CachedEntry[], over: Partial<SyncState> = {}): SyncState => ({
  revision: 1,
  entries,
  bundle,
  federatedBundles: [],
  ...over,
})

function svidFor(e: CachedEntry, notBeforeMs = 0, notAfterMs = 100_000): CachedX509Svid {
  return {
    entryId: e.id,
    spiffeId: e.spiffeId,
    certChainDer: [Buffer.from(`cert-${e.id}`)],
    privateKeyPkcs8Der: Buffer.from('key'),
    notBeforeMs,
    notAfterMs,
    fingerprint: svidFingerprint(e),
    jitter: 0,
  }
}

describe('SVID cache state', () => {
  it('needs an SVID for every new entry and none once stored', () => {
    const a = entry('a')
    const first = applySync(emptyCache(), sync([a]))
    expect(first.changed).toBe(true)
    let state = first.state
    expect(entriesNeedingSvid(state, 0).map((e) => e.id)).toEqual(['a'])
    state = storeSvid(state, svidFor(a))
    expect(entriesNeedingSvid(state, 10_000)).toEqual([])
    expect(entriesNeedingSvid(state, 50_000).map((e) => e.id)).toEqual(['a'])
    expect(nextEventAtMs(state, 10_000)).toBe(50_000)
  })

  it('reports an identical sync as unchanged but keeps its revision', () => {
    const first = applySync(emptyCache(), sync([entry('a')])).state
    const again = applySync(first, sync([entry('a')], { revision: 7 }))
    expect(again.changed).toBe(false)
    expect(again.state.revision).toBe(7)
  })

  it('drops the SVID of a removed entry at once', () => {
    const a = entry('a')
    const b = entry('b')
    let state = storeSvid(storeSvid(applySync(emptyCache(), sync([a, b])).state, svidFor(a)), svidFor(b))
    state = applySync(state, sync([a])).state
    expect([...state.svids.keys()]).toEqual(['a'])
    expect(matchingSvids(state, new Set(['unix:uid:1002']), 0)).toEqual([])
  })

  it('re-mints when the fields an SVID is made from change, keeping the old one until then', () => {
    const a = entry('a')
    let state = storeSvid(applySync(emptyCache(), sync([a])).state, svidFor(a))
    const changedA = entry('a', { dnsNames: ['a.example.org'], revisionNumber: 2 })
    state = applySync(state, sync([changedA])).state
    expect(entriesNeedingSvid(state, 0).map((e) => e.id)).toEqual(['a'])
    expect(matchingSvids(state, new Set(['unix:uid:1001']), 0)).toHaveLength(1)
    // an SVID minted for the old version is not stored
    expect(storeSvid(state, svidFor(a))).toBe(state)
    expect(entriesNeedingSvid(storeSvid(state, svidFor(changedA)), 0)).toEqual([])
  })

  it('matches by selector subset, leaves out expired SVIDs, oldest entry first', () => {
    const z = entry('z', { selectors: ['unix:uid:1001'] })
    const a = entry('a', { selectors: ['unix:uid:1001', 'unix:gid:5'] })
    let state = applySync(emptyCache(), sync([z])).state
    state = applySync(state, sync([z, a])).state
    state = storeSvid(storeSvid(state, svidFor(z)), svidFor(a, 0, 50))
    const caller = new Set(['unix:uid:1001', 'unix:gid:5'])
    expect(matchingSvids(state, caller, 10).map((m) => m.entry.id)).toEqual(['z', 'a'])
    expect(matchingSvids(state, caller, 50).map((m) => m.entry.id)).toEqual(['z'])
    expect(matchingSvids(state, new Set(['unix:uid:1001']), 10).map((m) => m.entry.id)).toEqual(['z'])
  })

  it('notices bundle and federated bundle changes', () => {
    const state = applySync(emptyCache(), sync([])).state
    expect(applySync(state, sync([], { bundle: { ...bundle, sequence: 2 } })).changed).toBe(true)
    const fed = { ...bundle, trustDomain: 'other.org' }
    expect(applySync(state, sync([], { federatedBundles: [fed] })).state.federated.get('other.org')).toBe(fed)
  })
})
