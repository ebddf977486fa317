// Test helpers: compact JSON fixtures → DesiredState / LiveState with every default filled in.
// (parseModel had not landed when these fixtures were written; `file` defaults to identities.yaml.)
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { hasErrors } from '../../../../engine/core/diagnostics.js'
import { parseModel } from '../../../../engine/model/parse-model.js'
import { liveStateFromDesired } from '../../../../engine/plan/live-from-desired.js'
import type {
  AnyObject,
  DesiredState,
  EntrySpec,
  FederationBundleSpec,
  Kind,
  NodeSpec,
  PolicySpec,
  RoleSpec,
  ScopeSpec,
  TrustDomainSpec,
} from '../../../../engine/model/types.js'
import type { LiveEntry, LiveState } from '../../../../engine/plan/types.js'
import type { PlanMeta } from '../../../../engine/plan/make-plan.js'

export const DEFAULT_FILE = 'identities.yaml'

/** One object in a fixture: name, optional file and line, and a partial spec. */
interface FixtureObject<S> {
  readonly name: string
  readonly file?: string
  readonly line?: number
  readonly spec?: Partial<S>
}

export interface DesiredFixture {
  readonly trustDomain?: FixtureObject<TrustDomainSpec>
  readonly scopes?: readonly FixtureObject<ScopeSpec>[]
  readonly roles?: readonly FixtureObject<RoleSpec>[]
  readonly entries?: readonly FixtureObject<EntrySpec>[]
  readonly nodes?: readonly FixtureObject<NodeSpec>[]
  readonly federationBundles?: readonly FixtureObject<FederationBundleSpec>[]
  readonly policies?: readonly FixtureObject<PolicySpec>[]
}

function object<K extends Kind, S>(kind: K, o: FixtureObject<S>, defaults: S, index: number) {
  const spec = { ...defaults, ...o.spec } as S
  const file = o.file ?? DEFAULT_FILE
  const line = o.line ?? index * 10 + 1
  return {
    kind,
    metadata: { name: o.name, labels: {}, annotations: {} },
    spec,
    source: { file, documentIndex: index, span: { file, line, column: 1, endLine: line + 8, endColumn: 1 } },
    raw: { apiVersion: 'sigil/v1', kind, metadata: { name: o.name }, spec: spec as Record<string, unknown> },
  }
}

const TD_DEFAULTS: TrustDomainSpec = {
  x509SvidTtlSeconds: 3600,
  jwtSvidTtlSeconds: 300,
  maxX509SvidTtlSeconds: 86400,
  maxJwtSvidTtlSeconds: 3600,
  entryIdPrefix: 'sigil.',
  maxDeletions: { kind: 'percent', value: 10 },
}
const ENTRY_DEFAULTS: EntrySpec = {
  spiffeId: '',
  parentId: '',
  selectors: [],
  roles: [],
  dnsNames: [],
  federatesWith: [],
  hint: '',
  admin: false,
  downstream: false,
  protect: false,
}
const POLICY_DEFAULTS: PolicySpec = {
  severity: 'error',
  match: { kinds: ['Entry'], labels: {} },
  expression: 'true',
  message: '',
  rationale: '',
}

/** Builds a DesiredState from a compact fixture; every list keeps the fixture's order. */
export function desiredFromFixture(f: DesiredFixture): DesiredState {
  const all = <S, K extends Kind>(kind: K, list: readonly FixtureObject<S>[] | undefined, d: S) =>
    (list ?? []).map((o, i) => object(kind, o, d, i))
  const desired = {
    ...(f.trustDomain ? { trustDomain: object('TrustDomain', f.trustDomain, TD_DEFAULTS, 0) } : {}),
    scopes: all('Scope', f.scopes, { description: '' }),
    roles: all('Role', f.roles, { description: '', scopes: [] }),
    entries: all('Entry', f.entries, ENTRY_DEFAULTS),
    nodes: all('Node', f.nodes, { spiffeId: '', selectors: [], protect: false }),
    federationBundles: all('FederationBundle', f.federationBundles, { trustDomain: '' }),
    policies: all('Policy', f.policies, POLICY_DEFAULTS),
  }
  return desired as DesiredState satisfies { readonly entries: readonly AnyObject[] }
}

export interface LiveFixture extends Partial<Omit<LiveState, 'entries'>> {
  readonly entries?: readonly (Partial<LiveEntry> & { readonly id: string })[]
}

/** Builds a LiveState from a compact fixture (entries get defaults: kind Entry, file identities.yaml). */
export function liveFromFixture(f: LiveFixture): LiveState {
  return {
    lineage: f.lineage ?? 'lineage-1',
    revision: f.revision ?? 1,
    trustDomain: f.trustDomain ?? '',
    ...(f.trustDomainSettings ? { trustDomainSettings: f.trustDomainSettings } : {}),
    entries: (f.entries ?? []).map((e) => ({
      kind: 'Entry',
      name: '',
      spiffeId: '',
      parentId: '',
      selectors: [],
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
      revisionNumber: 1,
      createdAt: 1_700_000_000,
      sourceFile: DEFAULT_FILE,
      sourceCommit: 'c0ffee',
      ...e,
    })),
    roles: f.roles ?? [],
    scopes: f.scopes ?? [],
    federationBundles: f.federationBundles ?? [],
    policies: f.policies ?? [],
  }
}

/** Fixed plan metadata for golden files; a fixture's meta.json may override any of it. */
export function fixtureMeta(overrides: Partial<PlanMeta> = {}): PlanMeta {
  return {
    createdAtMs: Date.UTC(2026, 0, 2, 3, 4, 5),
    sigilVersion: '0.1.0',
    source: { repo: 'https://git.example/identities.git', commit: 'abc1234', path: '' },
    diagnostics: [],
    ...overrides,
  }
}

/** A fixture folder's inputs: desired.json, then live.json on its own or on top of base.json. */
export interface FixtureInputs {
  readonly desired: DesiredState
  readonly live: LiveState
  readonly meta: PlanMeta
}

/** The desired state of a real YAML file, through the model stage; throws on model errors. */
function desiredFromYaml(text: string): DesiredState {
  const model = parseModel({ repo: 'fixture', path: '', files: [{ path: 'desired.yaml', text }] })
  if (hasErrors(model.diagnostics))
    throw new Error(`fixture desired.yaml: ${JSON.stringify(model.diagnostics)}`)
  return model.desired
}

/**
 * Reads `<dir>/{desired.json or desired.yaml, live.json, base.json?, meta.json?}`. With base.json, live is what a
 * store holds after applying it (`liveStateFromDesired`), plus live.json's entries, lineage and
 * revision.
 */
export function loadFixture(dir: string): FixtureInputs {
  const read = <T>(name: string): T | undefined => {
    const file = join(dir, name)
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined
  }
  const yamlFile = join(dir, 'desired.yaml')
  const desired = existsSync(yamlFile)
    ? desiredFromYaml(readFileSync(yamlFile, 'utf8'))
    : desiredFromFixture(read<DesiredFixture>('desired.json') ?? {})
  const liveFixture = read<LiveFixture>('live.json') ?? {}
  const base = read<DesiredFixture>('base.json')
  let live = liveFromFixture(liveFixture)
  if (base !== undefined) {
    const fromBase = liveStateFromDesired(desiredFromFixture(base))
    live = {
      ...fromBase,
      lineage: live.lineage,
      revision: live.revision,
      entries: [...fromBase.entries, ...live.entries],
    }
  }
  return { desired, live, meta: fixtureMeta(read<Partial<PlanMeta>>('meta.json')) }
}
