import { describe, expect, it } from 'vitest'
import { evaluatePolicies } from '../../../../engine/policy/index.js'
import { builtinPolicies } from './builtin.js'
import { desiredFrom, entryDoc, fixedLocate } from './desired.js'

type Doc = Record<string, unknown>
const pack = builtinPolicies()
const PARENT = 'spiffe://example.org/nodes/production'

/** A clean base repository: every rule passes on it. */
const base: Doc[] = [
  { kind: 'TrustDomain', metadata: { name: 'example.org' }, spec: {} },
  { kind: 'Scope', metadata: { name: 'read:data' }, spec: {} },
  { kind: 'Scope', metadata: { name: 'write:data' }, spec: {} },
  { kind: 'Role', metadata: { name: 'reader' }, spec: { scopes: ['read:data'] } },
  { kind: 'Role', metadata: { name: 'writer' }, spec: { scopes: ['write:data'] } },
  entryDoc('api', {
    spiffeID: 'spiffe://example.org/production/api',
    parentID: PARENT,
    selectors: ['k8s:ns:web', 'k8s:sa:api'],
    roles: ['reader', 'writer'],
  }),
]

/** Rule ids reported for the repository `base` with `docs` replacing same-named documents. */
function rulesFor(...docs: Doc[]): string[] {
  const key = (d: Doc) => `${String(d['kind'])}/${String((d['metadata'] as Doc)['name'])}`
  const replaced = new Set(docs.map(key))
  const desired = desiredFrom([...base.filter((d) => !replaced.has(key(d))), ...docs])
  return evaluatePolicies(desired, { policies: pack, locate: fixedLocate }).map((d) => {
    expect(d.code).toBe('ERR_POLICY_VIOLATION')
    return d.rule ?? d.code
  })
}

const entry = (spec: Doc, name = 'api') =>
  entryDoc(name, {
    spiffeID: 'spiffe://example.org/production/api',
    parentID: PARENT,
    roles: ['reader', 'writer'],
    ...spec,
  })
const role = (name: string, scopes: string[]) => ({ kind: 'Role', metadata: { name }, spec: { scopes } })

describe('built-in least-privilege pack', () => {
  it('is a set of Policies named sigil.* with a rationale and a message each', () => {
    expect(pack.length).toBeGreaterThanOrEqual(8)
    for (const p of pack) {
      expect(p.metadata.name).toMatch(/^sigil\.[a-z0-9-]+$/)
      expect(p.spec.rationale).not.toBe('')
      expect(p.spec.message).not.toBe('')
    }
  })

  it('passes a clean repository', () => {
    expect(rulesFor()).toEqual([])
  })

  it.each([['*'], ['admin:*'], ['*:*'], ['admin:all'], ['read:any']])(
    'sigil.no-wildcard-scopes flags a role granting %s',
    (scope) => {
      expect(rulesFor(role('writer', ['write:data', scope]))).toEqual(['sigil.no-wildcard-scopes'])
    },
  )

  it('sigil.no-wildcard-scopes accepts specific scopes such as read:allowlist', () => {
    expect(rulesFor(role('writer', ['write:data', 'read:allowlist']))).toEqual([])
  })

  it('sigil.admin-needs-waiver flags admin: true and accepts admin: false', () => {
    expect(rulesFor(entry({ selectors: ['k8s:ns:web', 'k8s:sa:api'], admin: true }))).toEqual([
      'sigil.admin-needs-waiver',
    ])
    expect(rulesFor(entry({ selectors: ['k8s:ns:web', 'k8s:sa:api'], admin: false }))).toEqual([])
  })

  it('sigil.root-uid-needs-waiver flags unix:uid:0 and unix:user:root, not other uids', () => {
    expect(rulesFor(entry({ selectors: ['unix:uid:0', 'unix:path:/bin/x'] }))).toEqual([
      'sigil.root-uid-needs-waiver',
    ])
    expect(rulesFor(entry({ selectors: ['unix:user:root', 'unix:path:/bin/x'] }))).toEqual([
      'sigil.root-uid-needs-waiver',
    ])
    expect(rulesFor(entry({ selectors: ['unix:uid:1000', 'unix:path:/bin/x'] }))).toEqual([])
  })

  it('sigil.production-min-selectors needs two selectors under a /production/ or /prod/ segment', () => {
    expect(rulesFor(entry({ selectors: ['unix:uid:1000'] }))).toEqual(['sigil.production-min-selectors'])
    expect(
      rulesFor(entry({ spiffeID: 'spiffe://example.org/eu/prod/api', selectors: ['unix:uid:1000'] })),
    ).toEqual(['sigil.production-min-selectors'])
    expect(
      rulesFor(entry({ spiffeID: 'spiffe://example.org/staging/api', selectors: ['unix:uid:1000'] })),
    ).toEqual([])
    expect(
      rulesFor(entry({ spiffeID: 'spiffe://example.org/production-like/api', selectors: ['unix:uid:1000'] })),
    ).toEqual([])
    expect(rulesFor(entry({ spiffeID: 'spiffe://prod/api', selectors: ['unix:uid:1000'] }))).toEqual([])
  })

  it('sigil.production-k8s-ns-and-sa needs both k8s:ns and k8s:sa on production Kubernetes entries', () => {
    expect(rulesFor(entry({ selectors: ['k8s:ns:web', 'k8s:pod-label:app:api'] }))).toEqual([
      'sigil.production-k8s-ns-and-sa',
    ])
    expect(rulesFor(entry({ selectors: ['k8s:sa:api', 'k8s:pod-label:app:api'] }))).toEqual([
      'sigil.production-k8s-ns-and-sa',
    ])
    expect(rulesFor(entry({ selectors: ['k8s:ns:web', 'k8s:sa:api', 'k8s:pod-label:app:api'] }))).toEqual([])
    expect(rulesFor(entry({ spiffeID: 'spiffe://example.org/dev/api', selectors: ['k8s:ns:web'] }))).toEqual(
      [],
    )
  })

  it('leaves TTL ceilings to the validator (ERR_MODEL_TTL_ABOVE_CEILING), so a TTL problem is reported once', () => {
    const sel = { selectors: ['k8s:ns:web', 'k8s:sa:api'] }
    expect(rulesFor(entry({ ...sel, x509SVIDTTL: '25h', jwtSVIDTTL: '2h' }))).toEqual([])
  })

  it('sigil.unused-scope warns about a scope no role grants', () => {
    const [d] = evaluatePolicies(
      desiredFrom([...base, { kind: 'Scope', metadata: { name: 'admin:billing' }, spec: {} }]),
      {
        policies: pack,
        locate: fixedLocate,
      },
    )
    expect(d).toMatchObject({
      rule: 'sigil.unused-scope',
      severity: 'warning',
      object: 'Scope/admin:billing',
    })
  })

  it('sigil.unused-role warns about a role no entry holds', () => {
    expect(rulesFor(entry({ selectors: ['k8s:ns:web', 'k8s:sa:api'], roles: ['reader'] }))).toEqual([
      'sigil.unused-role',
    ])
  })

  it('sigil.redundant-role warns when one role on an entry is a superset of another', () => {
    const wide = role('writer', ['read:data', 'write:data'])
    const diags = rulesFor(wide)
    expect(diags).toEqual(['sigil.redundant-role'])
    expect(
      rulesFor(
        wide,
        entry({ selectors: ['k8s:ns:web', 'k8s:sa:api'], roles: ['writer'] }, 'api'),
        entry({ selectors: ['k8s:ns:a', 'k8s:sa:b'], roles: ['reader'] }, 'other'),
      ),
    ).toEqual([])
  })
})
