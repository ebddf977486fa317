import { describe, expect, it } from 'vitest'
import { importSpireEntries } from '../../../../engine/spire/import-repository.js'
import { parseSpireEntries } from '../../../../engine/spire/parse-entries.js'
import { EMPTY_SPIRE_ENTRY } from '../../../../engine/spire/spire-entry.js'

const ok = (text: string) => {
  const result = parseSpireEntries(text, 'in.json')
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics))
  return result.value
}
const problems = (value: unknown) => {
  const result = parseSpireEntries(typeof value === 'string' ? value : JSON.stringify(value), 'in.json')
  return result.ok ? [] : result.diagnostics.map((d) => ({ code: d.code, path: d.path }))
}
const createEntry = {
  selectors: [{ type: 'unix', value: 'uid:1000' }],
  spiffe_id: 'spiffe://example.org/web',
  parent_id: 'spiffe://example.org/spire/agent/join_token/t',
}
const showEntry = {
  id: 'e1',
  spiffe_id: { trust_domain: 'example.org', path: '/web' },
  parent_id: { trust_domain: 'example.org', path: '/spire/agent/join_token/t' },
  selectors: [{ type: 'unix', value: 'uid:1000' }],
  expires_at: '1798761600',
  created_at: '1547583197',
  revision_number: '2',
}

describe('parseSpireEntries', () => {
  it('reads `entry create -data` JSON, matching keys case-insensitively like Go', () => {
    const parsed = ok(
      JSON.stringify({
        entries: [
          { ...createEntry, Entry_ID: 'x', ENTRYEXPIRY: 5, Federates_With: ['spiffe://partner.example'] },
        ],
      }),
    )
    expect(parsed.shape).toBe('entry-create-data')
    expect(parsed.entries).toEqual([
      {
        ...EMPTY_SPIRE_ENTRY,
        entryId: 'x',
        spiffeId: 'spiffe://example.org/web',
        parentId: 'spiffe://example.org/spire/agent/join_token/t',
        selectors: [{ type: 'unix', value: 'uid:1000' }],
        expiresAt: 5,
        federatesWith: ['partner.example'],
      },
    ])
  })

  it('reads `entry show -output json` with ID objects, int64 strings and protojson camelCase names', () => {
    const camel = {
      id: 'e2',
      spiffeId: { trustDomain: 'example.org', path: '/web' },
      parentId: showEntry.parent_id,
      selectors: showEntry.selectors,
      jwtSvidTtl: '30',
    }
    const parsed = ok(JSON.stringify({ entries: [showEntry, camel], next_page_token: '' }))
    expect(parsed.shape).toBe('entry-show-json')
    expect(parsed.entries.map((e) => [e.entryId, e.spiffeId, e.expiresAt, e.jwtSvidTtl])).toEqual([
      ['e1', 'spiffe://example.org/web', 1798761600, 0],
      ['e2', 'spiffe://example.org/web', 0, 30],
    ])
  })

  it('treats null as unset and an empty list as no entries', () => {
    expect(ok(JSON.stringify({ entries: [{ ...createEntry, hint: null }] })).entries[0]?.hint).toBe('')
    expect(ok('{"entries": [], "next_page_token": ""}')).toEqual({ shape: 'entry-show-json', entries: [] })
  })

  it('rejects files that are not one of the two shapes, naming the place', () => {
    expect(problems('{"entries": [')).toEqual([{ code: 'ERR_IMPORT_JSON_SYNTAX', path: '' }])
    expect(problems([createEntry])).toEqual([{ code: 'ERR_IMPORT_SHAPE', path: '' }])
    expect(problems({ items: [] })).toEqual([
      { code: 'ERR_IMPORT_SHAPE', path: '/items' },
      { code: 'ERR_IMPORT_SHAPE', path: '/entries' },
    ])
    expect(problems({ entries: [createEntry, showEntry] })).toEqual([
      { code: 'ERR_IMPORT_SHAPE', path: '/entries/1' },
    ])
    expect(problems({ entries: [createEntry], next_page_token: '' })).toEqual([
      { code: 'ERR_IMPORT_SHAPE', path: '/entries/0' },
    ])
  })

  it('reports every bad field of every entry with its index', () => {
    const bad = {
      entries: [
        { ...createEntry, x509_svid_ttl: -1, colour: 'red' },
        { ...createEntry, selectors: [{ type: 'k8s:ns', value: 'x' }] },
        { ...createEntry, spiffe_id: 'spiffe://Example.org/web', admin: 'yes' },
        { selectors: createEntry.selectors, spiffe_id: createEntry.spiffe_id },
        { ...createEntry, selectors: [] },
        { ...createEntry, expiresAt: 5 },
        { ...createEntry, federates_with: ['not a domain'] },
        { ...createEntry, entry_id: 'a', Entry_Id: 'b' },
      ],
    }
    expect(problems(bad)).toEqual([
      { code: 'ERR_IMPORT_FIELD', path: '/entries/0/x509_svid_ttl' },
      { code: 'ERR_IMPORT_FIELD', path: '/entries/0/colour' },
      { code: 'ERR_IMPORT_FIELD', path: '/entries/1/selectors' },
      { code: 'ERR_IMPORT_FIELD', path: '/entries/2/spiffe_id' },
      { code: 'ERR_IMPORT_FIELD', path: '/entries/2/admin' },
      { code: 'ERR_IMPORT_FIELD', path: '/entries/3' },
      { code: 'ERR_IMPORT_FIELD', path: '/entries/4' },
      { code: 'ERR_IMPORT_FIELD', path: '/entries/5/expiresAt' },
      { code: 'ERR_IMPORT_FIELD', path: '/entries/6/federates_with' },
      { code: 'ERR_IMPORT_FIELD', path: '/entries/7/Entry_Id' },
    ])
  })

  it('refuses int64 strings in `entry create -data` JSON, as Go does', () => {
    expect(problems({ entries: [{ ...createEntry, entryExpiry: '5' }] })).toEqual([
      { code: 'ERR_IMPORT_FIELD', path: '/entries/0/entryExpiry' },
    ])
  })
})

describe('importSpireEntries', () => {
  it('refuses entries from several trust domains, and an empty list', () => {
    const a = ok(JSON.stringify({ entries: [createEntry] })).entries
    const b = ok(
      JSON.stringify({
        entries: [
          { ...createEntry, spiffe_id: 'spiffe://other.org/x', parent_id: 'spiffe://other.org/spire/server' },
        ],
      }),
    ).entries
    const mixed = importSpireEntries([...a, ...b])
    expect(mixed.ok ? [] : mixed.diagnostics.map((d) => d.code)).toEqual(['ERR_IMPORT_TRUST_DOMAIN'])
    const none = importSpireEntries([])
    expect(none.ok).toBe(false)
  })
})
