/** Turns plan changes into store writes, checking every record's shape (a plan file is untrusted input). */
import { entryKey } from '../core/entry-key.js'
import type { DeletionLimit } from '../model/types.js'
import type { Change, LiveFederationBundle, LiveTrustDomainSettings, Plan } from '../plan/types.js'
import type { AuditChange, EntryRecord, StoreWrite } from '../store/registration-store.js'
import { PlanNotApplicableError } from './errors.js'

type Rec = Readonly<Record<string, unknown>>

/** Field readers that name the change and field at fault. */
class RecordReader {
  constructor(
    private readonly rec: Rec,
    private readonly where: string,
  ) {}

  private fail(field: string, want: string): never {
    throw new PlanNotApplicableError(
      `${this.where}: field ${field} is not ${want}; the plan file is corrupt`,
      {
        field,
      },
    )
  }
  str(field: string, fallback?: string): string {
    const v = this.rec[field] ?? fallback
    return typeof v === 'string' ? v : this.fail(field, 'a string')
  }
  num(field: string, fallback?: number): number {
    const v = this.rec[field] ?? fallback
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : this.fail(field, 'a whole number')
  }
  bool(field: string, fallback?: boolean): boolean {
    const v = this.rec[field] ?? fallback
    return typeof v === 'boolean' ? v : this.fail(field, 'true or false')
  }
  list(field: string, fallback?: readonly string[]): readonly string[] {
    const v = this.rec[field] ?? fallback
    return Array.isArray(v) && v.every((x) => typeof x === 'string')
      ? (v as string[])
      : this.fail(field, 'a list of strings')
  }
  oneOf<T extends string>(field: string, values: readonly T[]): T {
    const v = this.rec[field]
    return values.includes(v as T) ? (v as T) : this.fail(field, `one of ${values.join(', ')}`)
  }
  limit(field: string): DeletionLimit {
    const v = this.rec[field] as { kind?: unknown; value?: unknown } | undefined
    if (v && (v.kind === 'count' || v.kind === 'percent') && typeof v.value === 'number') {
      return { kind: v.kind, value: v.value }
    }
    return this.fail(field, 'a deletion limit')
  }
}

function record(change: Change, side: 'before' | 'after'): RecordReader {
  const rec = change[side]
  const where = `${change.action} ${change.kind} ${change.name}`
  if (!rec || typeof rec !== 'object') {
    throw new PlanNotApplicableError(`${where}: no ${side} record; the plan file is corrupt`)
  }
  return new RecordReader(rec, where)
}

function entryFromAfter(change: Change, sourceCommit: string): EntryRecord {
  const r = record(change, 'after')
  if (!change.id)
    throw new PlanNotApplicableError(`${change.action} ${change.kind} ${change.name}: no entry id`)
  return {
    id: change.id,
    kind: change.kind as 'Entry' | 'Node',
    name: r.str('name', change.name),
    spiffeId: r.str('spiffeId'),
    parentId: r.str('parentId'),
    selectors: r.list('selectors'),
    x509SvidTtlSeconds: r.num('x509SvidTtlSeconds', 0),
    jwtSvidTtlSeconds: r.num('jwtSvidTtlSeconds', 0),
    dnsNames: r.list('dnsNames', []),
    federatesWith: r.list('federatesWith', []),
    hint: r.str('hint', ''),
    admin: r.bool('admin', false),
    downstream: r.bool('downstream', false),
    protect: r.bool('protect', false),
    roles: r.list('roles', []),
    expiresAt: r.num('expiresAt', 0),
    sourceFile: r.str('sourceFile', ''),
    sourceCommit,
  }
}

/** The natural key of the entry a delete removes: from `before` when present, else the change key. */
function deletedEntryKey(change: Change): string {
  if (!change.before) return change.key
  const r = record(change, 'before')
  return entryKey(r.str('spiffeId'), r.str('parentId'), r.list('selectors'))
}

function trustDomainSettings(r: RecordReader): LiveTrustDomainSettings {
  return {
    x509SvidTtlSeconds: r.num('x509SvidTtlSeconds'),
    jwtSvidTtlSeconds: r.num('jwtSvidTtlSeconds'),
    maxX509SvidTtlSeconds: r.num('maxX509SvidTtlSeconds'),
    maxJwtSvidTtlSeconds: r.num('maxJwtSvidTtlSeconds'),
    entryIdPrefix: r.str('entryIdPrefix'),
    maxDeletions: r.limit('maxDeletions'),
  }
}

/** One change as a store write. */
export function writeForChange(change: Change, sourceCommit: string): StoreWrite {
  const { action, kind, name } = change
  if (kind === 'Entry' || kind === 'Node') {
    if (action !== 'delete') return { kind: 'entry', action, entry: entryFromAfter(change, sourceCommit) }
    if (!change.id) throw new PlanNotApplicableError(`delete ${kind} ${name}: no entry id`)
    return { kind: 'entry', action, id: change.id, key: deletedEntryKey(change) }
  }
  if (kind === 'TrustDomain') {
    if (action === 'delete') return { kind: 'trustDomain', action, name }
    const r = record(change, 'after')
    return { kind: 'trustDomain', action, name: r.str('name', name), settings: trustDomainSettings(r) }
  }
  const named = NAMED_KINDS[kind as keyof typeof NAMED_KINDS] as NamedKind | undefined
  if (!named) throw new PlanNotApplicableError(`${action} ${String(kind)} ${name}: unknown kind`)
  if (action === 'delete') return { kind: named, action, name }
  const r = record(change, 'after')
  switch (named) {
    case 'role':
      return {
        kind: named,
        action,
        role: { name, description: r.str('description', ''), scopes: r.list('scopes') },
      }
    case 'scope':
      return { kind: named, action, scope: { name, description: r.str('description', '') } }
    case 'policy': {
      const severity = r.oneOf('severity', ['error', 'warning'] as const)
      return { kind: named, action, policy: { name, severity, specJson: r.str('specJson') } }
    }
    case 'federationBundle': {
      const profile: LiveFederationBundle['endpointProfile'] =
        change.after?.['endpointProfile'] === undefined
          ? ''
          : r.oneOf('endpointProfile', ['', 'https_spiffe', 'https_web'] as const)
      const bundle = {
        name,
        trustDomain: r.str('trustDomain'),
        endpointUrl: r.str('endpointUrl', ''),
        endpointProfile: profile,
        endpointSpiffeId: r.str('endpointSpiffeId', ''),
        bundle: r.str('bundle', ''),
      }
      return { kind: named, action, bundle }
    }
  }
}

const NAMED_KINDS = {
  Scope: 'scope',
  Role: 'role',
  FederationBundle: 'federationBundle',
  Policy: 'policy',
} as const
type NamedKind = (typeof NAMED_KINDS)[keyof typeof NAMED_KINDS]

/** The audit row of one change. */
export function auditChange(change: Change): AuditChange {
  return {
    action: change.action,
    kind: change.kind,
    name: change.name,
    key: change.key,
    ...(change.id === undefined ? {} : { id: change.id }),
    ...(change.fields === undefined ? {} : { fields: change.fields }),
  }
}

/** Deletes first (so a rename that keeps a unique value fits), then creates, then updates (SPIRE's order). */
export function orderedChanges(plan: Plan): Change[] {
  const rank = { delete: 0, create: 1, update: 2 } as const
  return plan.changes
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank[a.c.action] - rank[b.c.action] || a.i - b.i)
    .map((x) => x.c)
}
