/**
 * The canonical form of a plan: every object rebuilt with a fixed key order (docs/plan-format.md),
 * unknown members dropped. Used for the saved bytes and for the plan digest.
 */
import type { Diagnostic } from '../core/diagnostics.js'
import { sha256Hex } from '../core/digest.js'
import type { Kind } from '../model/types.js'
import {
  ENTRY_FIELDS,
  FEDERATION_BUNDLE_FIELDS,
  POLICY_FIELDS,
  ROLE_FIELDS,
  SCOPE_FIELDS,
  TRUST_DOMAIN_FIELDS,
} from './records.js'
import type { AccessChange, Change, Plan } from './types.js'

type Json = Record<string, unknown>

const RECORD_FIELDS: Readonly<Record<Kind, readonly string[]>> = {
  TrustDomain: TRUST_DOMAIN_FIELDS,
  Scope: SCOPE_FIELDS,
  Role: ROLE_FIELDS,
  FederationBundle: FEDERATION_BUNDLE_FIELDS,
  Node: ENTRY_FIELDS,
  Entry: ENTRY_FIELDS,
  Policy: POLICY_FIELDS,
}

const CHANGE_FIELDS = ['action', 'kind', 'name', 'key', 'id', 'fields'] as const
const DIAGNOSTIC_FIELDS = ['code', 'severity', 'message', 'path', 'span', 'rule', 'hint', 'object', 'commit']
const SPAN_FIELDS = ['file', 'line', 'column', 'endLine', 'endColumn']

/** Copies the present members of `from` in `fields` order; nested plain objects get sorted keys. */
function pick(from: object, fields: readonly string[]): Json {
  const src = from as Json
  const out: Json = {}
  for (const f of fields) {
    const v = src[f]
    if (v !== undefined) out[f] = isPlainObject(v) ? pick(v, Object.keys(v).sort()) : v
  }
  return out
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function canonicalChange(c: Change): Json {
  const out = pick(c, CHANGE_FIELDS)
  const fields = RECORD_FIELDS[c.kind]
  if (c.before !== undefined) out['before'] = pick(c.before, fields)
  if (c.after !== undefined) out['after'] = pick(c.after, fields)
  return out
}

function canonicalAccessChange(a: AccessChange): Json {
  return {
    spiffeId: a.spiffeId,
    gained: a.gained.map((g) => ({ scope: g.scope, via: g.via })),
    lost: a.lost.map((l) => ({ scope: l.scope, via: l.via })),
  }
}

function canonicalDiagnostic(d: Diagnostic): Json {
  const out = pick(d, DIAGNOSTIC_FIELDS)
  if (d.span !== undefined) out['span'] = pick(d.span, SPAN_FIELDS)
  return out
}

/** Every member of the plan file except `createdAt` and `planDigest`, in file order: the digest input. */
function canonicalContent(plan: Plan): Json {
  return {
    formatVersion: plan.formatVersion,
    sigilVersion: plan.sigilVersion,
    source: pick(plan.source, ['repo', 'commit', 'path']),
    base: pick(plan.base, ['kind', 'lineage', 'revision', 'ref']),
    trustDomain: plan.trustDomain,
    desiredDigest: plan.desiredDigest,
    safety: {
      entryIdPrefix: plan.safety.entryIdPrefix,
      maxDeletions: pick(plan.safety.maxDeletions, ['kind', 'value']),
    },
    summary: pick(plan.summary, ['create', 'update', 'delete', 'unchanged', 'unmanaged', 'conflicts']),
    widensAccess: plan.widensAccess,
    accessChanges: plan.accessChanges.map(canonicalAccessChange),
    changes: plan.changes.map(canonicalChange),
    diagnostics: plan.diagnostics.map(canonicalDiagnostic),
  }
}

/**
 * SHA-256 hex of the compact JSON of the canonical plan without `createdAt` and `planDigest`: the
 * `planDigest` of a saved plan, and an identifier of what was reviewed (for audit records).
 */
export function computePlanDigest(plan: Plan): string {
  return sha256Hex(JSON.stringify(canonicalContent(plan)))
}

/** The plan file as a fixed-order JSON object, with its `planDigest`. */
export function canonicalPlanFile(plan: Plan): Json {
  const content = canonicalContent(plan)
  const planDigest = sha256Hex(JSON.stringify(content))
  const { formatVersion, sigilVersion, ...rest } = content
  return { formatVersion, sigilVersion, createdAt: plan.createdAt, planDigest, ...rest }
}
