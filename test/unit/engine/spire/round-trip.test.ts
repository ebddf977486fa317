import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { PolicyObject } from '../../../../engine/model/types.js'
import { readBuiltinPolicies } from '../../../../engine/source/builtin-policies.js'
import { formatEntryCreateData, spireEntriesFromDesired } from '../../../../engine/spire/export-entries.js'
import { convertSpireFile, type SpireImport } from '../../../../engine/spire/import-spire.js'
import { parseSpireEntries } from '../../../../engine/spire/parse-entries.js'
import type { SpireEntry } from '../../../../engine/spire/spire-entry.js'
import { checkRepository } from '../../../../engine/validate/check-repository.js'
import { PROJECT_ROOT } from '../../../support/cli.js'

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'spire')
const TODAY_MS = Date.UTC(2026, 0, 15)
let builtinPolicies: PolicyObject[]

beforeAll(async () => {
  builtinPolicies = await readBuiltinPolicies()
})

function convert(text: string, file = 'input.json'): SpireImport {
  const result = convertSpireFile(text, file, { builtinPolicies, todayMs: TODAY_MS, waiverDays: 30 })
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics))
  return result.value
}

function exportRepository(imported: SpireImport): string {
  const check = checkRepository(
    { repo: '', path: '', files: imported.repository.files },
    { builtinPolicies, todayMs: TODAY_MS },
  )
  const entries = spireEntriesFromDesired(check.desired)
  if (!entries.ok) throw new Error(JSON.stringify(entries.diagnostics))
  return formatEntryCreateData(entries.value)
}

const canonical = (entries: readonly SpireEntry[]) =>
  entries.map((e) => JSON.stringify(e)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

function parsed(text: string): readonly SpireEntry[] {
  const result = parseSpireEntries(text, 'x.json')
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics))
  return result.value.entries
}

describe.each([
  ['entry-create-data.json', 'entry-create-data'],
  ['entry-show-json.json', 'entry-show-json'],
])('import → export → import of %s', (fixture, shape) => {
  const text = () => readFileSync(join(FIXTURES, fixture), 'utf8')

  it('imports to a repository that lints clean', () => {
    const imported = convert(text())
    expect(imported.shape).toBe(shape)
    expect(imported.lint).toEqual([])
  })

  it('is lossless: the same YAML, and the same entries as the input', () => {
    const first = convert(text())
    const exported = exportRepository(first)
    const second = convert(exported, 'exported.json')
    expect(second.shape).toBe('entry-create-data')
    expect(second.repository.files).toEqual(first.repository.files)
    expect(canonical(parsed(exported))).toEqual(canonical(parsed(text())))
    expect(exportRepository(second)).toBe(exported)
  })

  it('does not depend on the order of the input entries', () => {
    const doc = JSON.parse(text()) as { entries: unknown[] }
    const reversed = JSON.stringify({ ...doc, entries: [...doc.entries].reverse() })
    expect(convert(reversed).repository.files).toEqual(convert(text()).repository.files)
  })
})

describe('import of the create-data fixture', () => {
  it('maps nodes, entries, bundles, TTL ceilings, annotations and waivers', () => {
    const imported = convert(readFileSync(join(FIXTURES, 'entry-create-data.json'), 'utf8'))
    const repo = imported.repository
    expect(repo.trustDomain).toBe('example.org')
    expect(repo.files.map((f) => f.path)).toEqual([
      'entries/blog.yaml',
      'entries/db.yaml',
      'entries/downstream.yaml',
      'entries/ns.yaml',
      'entries/production.yaml',
      'federation.yaml',
      'nodes.yaml',
      'trust-domain.yaml',
    ])
    const names = repo.objects.map((o) => `${o.kind}/${o.name}`).sort()
    expect(names).toEqual([
      'Entry/Blog',
      'Entry/Blog-backup',
      'Entry/db',
      'Entry/db-2',
      'Entry/downstream-nested-spire',
      'Entry/ns-web-sa-web',
      'Entry/production-api',
      'FederationBundle/other.example',
      'FederationBundle/partner.example',
      'Node/edge-node-1',
      'Node/k8s-cluster-prod-nodes',
      'TrustDomain/example.org',
    ])
    expect(Object.fromEntries(imported.waivers)).toEqual({
      'Entry/Blog': ['sigil.admin-needs-waiver'],
      'Entry/Blog-backup': ['sigil.root-uid-needs-waiver'],
      'Entry/production-api': ['sigil.production-k8s-ns-and-sa', 'sigil.production-min-selectors'],
    })
    const check = checkRepository(
      { repo: '', path: '', files: repo.files },
      { builtinPolicies, todayMs: TODAY_MS },
    )
    const web = check.desired.entries.find((e) => e.metadata.name === 'ns-web-sa-web')
    expect(web?.spec).toMatchObject({
      x509SvidTtlSeconds: 3600,
      jwtSvidTtlSeconds: 300,
      federatesWith: ['partner.example', 'other.example'],
      dnsNames: ['web.example.org', '*.web.example.org'],
      hint: 'web',
    })
    expect(web?.metadata.annotations).toEqual({
      'sigil/spire-entry-id': 'web-1',
      'sigil/spire-expires-at': '2027-01-01T00:00:00Z',
    })
    expect(check.desired.trustDomain?.spec).toMatchObject({
      maxX509SvidTtlSeconds: 172_800,
      maxJwtSvidTtlSeconds: 7200,
    })
    const edge = check.desired.nodes.find((n) => n.metadata.name === 'edge-node-1')
    expect(JSON.parse(edge?.metadata.annotations['sigil/spire-node-fields'] ?? '')).toEqual({
      x509_svid_ttl: 7200,
      hint: 'edge',
    })
  })

  it('waives nothing with waiverDays 0, leaving the policy errors to lint', () => {
    const text = readFileSync(join(FIXTURES, 'entry-create-data.json'), 'utf8')
    const result = convertSpireFile(text, 'in.json', { builtinPolicies, todayMs: TODAY_MS, waiverDays: 0 })
    expect(result.ok && result.value.waivers.size).toBe(0)
    const rules = result.ok ? result.value.lint.map((d) => d.rule).sort() : []
    expect(rules).toEqual([
      'sigil.admin-needs-waiver',
      'sigil.production-k8s-ns-and-sa',
      'sigil.production-min-selectors',
      'sigil.root-uid-needs-waiver',
    ])
  })
})
