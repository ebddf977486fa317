/**
 * RepositoryChecker keeps per-file and per-object results between checks; every check must give
 * exactly what a fresh checkRepository of the same snapshot gives, over edits that add, change,
 * rename and remove files, break and fix them, and change the trust domain, policies and waivers.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { PolicyObject, SourceFile } from '../../../../engine/model/types.js'
import { readBuiltinPolicies } from '../../../../engine/source/builtin-policies.js'
import { RepositoryChecker, checkRepository } from '../../../../engine/validate/check-repository.js'

const DAY_MS = 86_400_000
const TODAY_MS = Date.UTC(2026, 5, 1)
const AGENT = 'spiffe://example.org/spire/agent/join_token/host'

const trustDomain = (extra = '', name = 'example.org') =>
  `apiVersion: sigil/v1\nkind: TrustDomain\nmetadata: { name: ${name} }\nspec:\n  maxX509SVIDTTL: 24h\n${extra}`

function entry(name: string, spec: Record<string, string> = {}, annotations = ''): string {
  const fields: Record<string, string> = {
    spiffeID: `spiffe://example.org/prod/${name}`,
    parentID: AGENT,
    selectors: `["k8s:ns:${name}", "k8s:sa:${name}"]`,
    roles: '[reader]',
    ...spec,
  }
  const body = Object.entries(fields)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join('\n')
  const meta = annotations ? `{ name: ${name}, annotations: { ${annotations} } }` : `{ name: ${name} }`
  return `---\napiVersion: sigil/v1\nkind: Entry\nmetadata: ${meta}\nspec:\n${body}\n`
}

const ACCESS = `apiVersion: sigil/v1
kind: Scope
metadata: { name: "read:x" }
spec: { description: Read x }
---
apiVersion: sigil/v1
kind: Role
metadata: { name: reader }
spec: { scopes: ["read:x"] }
---
apiVersion: sigil/v1
kind: Role
metadata: { name: unused }
spec: { scopes: ["read:x"] }
---
apiVersion: sigil/v1
kind: Node
metadata: { name: cluster }
spec: { spiffeID: "spiffe://example.org/nodes/cluster", selectors: ["k8s_psat:cluster:c"] }
`

const policy = (expression: string, name = 'hint-set') => `---
apiVersion: sigil/v1
kind: Policy
metadata: { name: ${name} }
spec:
  severity: warning
  match: { kinds: [Entry] }
  expression: '${expression}'
  message: check ${name}
`

const entries = (names: string[], spec: Record<string, string> = {}) =>
  names.map((n) => entry(n, spec)).join('')

type Files = Record<string, string>

/** The edits, each a whole repository (path → text), with today and the built-in pack to use. */
function steps(): { files: Files; todayMs?: number; noBuiltins?: boolean }[] {
  const base: Files = {
    'td.yaml': trustDomain(),
    'access.yaml': ACCESS,
    'a.yaml': entries(['a1', 'a2', 'a3']),
    'b.yaml': entries(['b1', 'b2'], { parentID: 'spiffe://example.org/nodes/cluster' }),
    'c.yaml': entries(['c1']) + policy('has(object.spec.hint)'),
  }
  const edited = { ...base, 'a.yaml': entries(['a1', 'a3']) + entry('a2', { hint: 'edited' }) }
  const added: Files = {
    ...edited,
    'd.yaml':
      entry('d1', { roles: '[writer]' }) +
      entry('d2', { spiffeID: 'spiffe://example.org/prod/a1', selectors: '["k8s:ns:a1", "k8s:sa:a1"]' }) +
      entry('d3', { parentID: 'spiffe://example.org/nodes/clustr' }) +
      entry('d4', { federatesWith: '[partner.example, example.org]', dnsNames: '[bad_name]' }),
  }
  const { 'b.yaml': b, ...withoutB } = added
  const renamed: Files = { ...withoutB, 'sub/b2.yaml': b as string }
  const { 'c.yaml': _c, ...removed } = renamed
  const broken = {
    ...removed,
    'a.yaml': `${removed['a.yaml']}---\nkind: [unclosed\n`,
    'd.yaml': `${removed['d.yaml']}${entry('d5', { colour: 'blue' })}`,
  }
  const cyclic = {
    ...removed,
    'e.yaml':
      entry('e1', { parentID: 'spiffe://example.org/prod/e2' }) +
      entry('e2', { parentID: 'spiffe://example.org/prod/e1' }),
    'access.yaml': ACCESS.replace('spiffe://example.org/nodes/cluster', 'spiffe://example.org/nodes/moved'),
  }
  const ceilings = {
    ...cyclic,
    'td.yaml': trustDomain('  x509SVIDTTL: 1h\n  maxJWTSVIDTTL: 30m\n'),
    'a.yaml': entries(['a1']) + entry('a3', { x509SVIDTTL: '12h' }),
  }
  // only the trust domain changes: a3, kept from the step before, is now above the ceiling
  const tighter = { ...ceilings, 'td.yaml': trustDomain().replace('24h', '6h') }
  const renamedTd = { ...tighter, 'td.yaml': trustDomain('', 'example.com').replace('24h', '6h') }
  const policies = {
    ...tighter,
    'c.yaml':
      policy('size(object.spec.selectors) > 1') +
      policy('size(repository.entries) < 12', 'few') +
      policy('repository.entries[object.metadata.name].x509SVIDTTLSeconds < 7200', 'short') +
      // first by name: without the built-in pack they take the positions the pack held
      policy('true', 'a1') +
      policy('size(object.spec.selectors) > 5', 'a2'),
    // reader and unused grant the same scopes: the built-in redundant-role fires
    'h.yaml': entry('h1', { roles: '[reader, unused]' }),
  }
  // more entries: `few` now fails for the entries of unchanged files too
  const more = { ...policies, 'g.yaml': entries(['g1', 'g2', 'g3', 'g4', 'g5']) }
  // only the roles change: h1's own facts (redundant roles) change while h.yaml does not
  const rolesChanged = {
    ...more,
    'access.yaml':
      ACCESS.replace(
        'scopes: ["read:x"] }\n---\napiVersion: sigil/v1\nkind: Node',
        'scopes: ["read:y"] }\n---\napiVersion: sigil/v1\nkind: Node',
      ) +
      '---\napiVersion: sigil/v1\nkind: Scope\nmetadata: { name: "read:y" }\nspec: { description: Read y }\n',
  }
  // only the default TTL changes: `short` now fails for entries of unchanged files
  const longerDefault = {
    ...rolesChanged,
    'td.yaml': trustDomain('  x509SVIDTTL: 3h\n').replace('24h', '6h'),
  }
  const waived = {
    ...policies,
    'a.yaml':
      entries(['a1']) +
      entry(
        'a3',
        { x509SVIDTTL: '12h' },
        '"sigil/waive.ERR_MODEL_TTL_ABOVE_CEILING": "legacy; expires 2026-06-10"',
      ),
  }
  const duplicateNames = { ...waived, 'f.yaml': entry('a1') }
  return [
    { files: base },
    { files: base },
    { files: edited },
    { files: added },
    { files: renamed },
    { files: removed },
    { files: broken },
    { files: removed },
    { files: cyclic },
    { files: ceilings },
    { files: tighter },
    { files: renamedTd },
    { files: tighter },
    { files: policies },
    { files: policies, noBuiltins: true },
    { files: more },
    { files: rolesChanged },
    { files: longerDefault },
    { files: waived },
    { files: waived, todayMs: TODAY_MS + 30 * DAY_MS },
    { files: duplicateNames },
    { files: base },
    // a1 twice; then its first declaration goes and the second, in an unchanged file, is the one
    { files: { ...base, 'f.yaml': entry('a1') } },
    { files: { ...base, 'a.yaml': entries(['a2', 'a3']), 'f.yaml': entry('a1') } },
  ]
}

const snapshotOf = (files: Files) => ({
  repo: '/repo',
  path: '',
  files: Object.entries(files)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, text]): SourceFile => ({ path, text })),
})

describe('RepositoryChecker', () => {
  let builtins: PolicyObject[] = []
  beforeAll(async () => {
    builtins = await readBuiltinPolicies()
  })

  it('gives exactly what a fresh check gives, edit after edit', () => {
    const checker = new RepositoryChecker()
    const codes = new Set<string>()
    for (const [i, step] of steps().entries()) {
      const snapshot = snapshotOf(step.files)
      const options = { builtinPolicies: step.noBuiltins ? [] : builtins, todayMs: step.todayMs ?? TODAY_MS }
      const kept = checker.check(snapshot, options)
      const fresh = checkRepository(snapshot, options)
      expect(kept.diagnostics, `step ${i}`).toEqual(fresh.diagnostics)
      expect(kept.desired, `step ${i}`).toEqual(fresh.desired)
      expect([kept.files, kept.objects]).toEqual([fresh.files, fresh.objects])
      for (const d of fresh.diagnostics) codes.add(d.code)
    }
    // the edits reach the rules they are meant to exercise
    expect([...codes].sort()).toEqual(
      expect.arrayContaining([
        'ERR_MODEL_DUPLICATE_ENTRY',
        'ERR_MODEL_DUPLICATE_NAME',
        'ERR_MODEL_FEDERATES_WITH_SELF',
        'ERR_MODEL_FOREIGN_TRUST_DOMAIN',
        'ERR_MODEL_INVALID_DNS_NAME',
        'ERR_MODEL_PARENT_CYCLE',
        'ERR_MODEL_TTL_ABOVE_CEILING',
        'ERR_MODEL_UNKNOWN_FEDERATION',
        'ERR_MODEL_UNKNOWN_PARENT',
        'ERR_MODEL_UNKNOWN_ROLE',
        'ERR_MODEL_YAML_SYNTAX',
        'ERR_POLICY_VIOLATION',
        'ERR_POLICY_WAIVER_EXPIRED',
        'ERR_SCHEMA_UNKNOWN_FIELD',
      ]),
    )
  })

  it('keeps the objects of unchanged files and parses changed ones again', () => {
    const checker = new RepositoryChecker()
    const [base, , edited] = steps()
    const options = { builtinPolicies: builtins, todayMs: TODAY_MS }
    const first = checker.check(snapshotOf(base!.files), options).desired.entries
    const second = checker.check(snapshotOf(edited!.files), options).desired.entries
    const byName = (list: typeof first, name: string) => list.find((e) => e.metadata.name === name)
    expect(byName(second, 'b1')).toBe(byName(first, 'b1'))
    expect(byName(second, 'a1')).not.toBe(byName(first, 'a1'))
    expect(byName(second, 'a2')?.spec.hint).toBe('edited')
  })
})
