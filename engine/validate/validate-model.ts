/**
 * The semantic rules of the identity repository (DESIGN.md §2) over a schema-valid model: IDs,
 * references, selectors, DNS names, TTL ceilings, federation. Pure; every finding is a diagnostic
 * with a stable code (see `VALIDATE_CODES`), the object's `Kind/name`, a JSON pointer and a span.
 * The rules about one Node or Entry by itself can be kept between runs in `ValidationSlots`; the
 * rules across objects (parents, cycles, duplicate keys, references) always run.
 */
import { compareDiagnostics, type Diagnostic } from '../core/diagnostics.js'
import { parseTrustDomain } from '../core/spiffe-id.js'
import type { ModelResult } from '../model/model-result.js'
import type { DesiredState } from '../model/types.js'
import { Findings } from './report.js'
import {
  checkDuplicateEntries,
  checkEntryContents,
  checkNodeContents,
  checkTrustDomainTtls,
  naturalKey,
} from './rules/entries.js'
import { checkFederation } from './rules/federation.js'
import { checkEntryIds, checkNodeId, checkParents, parentIdParser } from './rules/identities.js'
import { checkEntryReferences, checkFederatesWith, checkRoleScopes } from './rules/references.js'

export { VALIDATE_CODES } from './codes.js'

/** The rules of one object by itself, and what the rules across objects need from them. */
export interface OwnFindings {
  /** The trust domain settings they were found under. */
  readonly context: string
  readonly diagnostics: readonly Diagnostic[]
  /** Entries: the parent must be a declared Node or Entry. */
  readonly parentToResolve: boolean
  /** Entries: indices of the federatesWith names that must have a FederationBundle. */
  readonly federationsToResolve: readonly number[]
  readonly naturalKey: string
}

/**
 * Where a checker keeps an object's own findings between runs (objects of unchanged files are the
 * same objects, see RepositoryChecker), so only changed objects are checked by themselves again.
 */
export interface ValidationSlot {
  own?: OwnFindings
}

/** The slots of `desired.nodes` / `desired.entries`, aligned with those lists. */
export type ValidationSlots = (kind: 'Node' | 'Entry') => readonly ValidationSlot[]

/**
 * Checks the desired state; returns every finding, sorted.
 * @example
 * const model = parseModel(snapshot)
 * const findings = validateModel(model.desired, model.locate)
 */
export function validateModel(
  desired: DesiredState,
  locate: ModelResult['locate'],
  slots?: ValidationSlots,
): Diagnostic[] {
  const f = new Findings(locate)
  const td = desired.trustDomain
  if (!td) {
    f.diagnostics.push({
      code: 'ERR_MODEL_TRUST_DOMAIN_MISSING',
      severity: 'error',
      message: 'the repository declares no valid TrustDomain; exactly one is required',
      path: '',
    })
  } else {
    const parsed = parseTrustDomain(td.metadata.name)
    if (!parsed.ok) {
      f.add(
        td,
        'ERR_MODEL_INVALID_TRUST_DOMAIN',
        '/metadata/name',
        `trust domain "${td.metadata.name}" is not valid: ${parsed.reason}`,
      )
    }
    checkTrustDomainTtls(desired, f)
  }
  const own = ownFindings(desired, locate, slots)
  for (const o of [...own.nodes, ...own.entries]) {
    if (o.diagnostics.length > 0) f.diagnostics.push(...o.diagnostics)
  }
  checkParents(
    desired,
    own.entries.map((o) => o.parentToResolve),
    f,
  )
  checkDuplicateEntries(
    desired.entries,
    own.entries.map((o) => o.naturalKey),
    f,
  )
  checkRoleScopes(desired, f)
  checkEntryReferences(
    desired,
    own.entries.map((o) => o.federationsToResolve),
    f,
  )
  checkFederation(desired, f)
  return f.diagnostics.sort(compareDiagnostics)
}

const NONE: readonly number[] = Object.freeze([])

/** Each Node's and Entry's own findings, from its slot when found under the same trust domain settings. */
function ownFindings(
  desired: DesiredState,
  locate: ModelResult['locate'],
  slots: ValidationSlots | undefined,
): { nodes: OwnFindings[]; entries: OwnFindings[] } {
  const td = desired.trustDomain
  const tdName = td?.metadata.name
  // every setting the rules of one object read: a change checks every object again
  const context = td
    ? `${td.metadata.name}\u0000${td.spec.maxX509SvidTtlSeconds}\u0000${td.spec.maxJwtSvidTtlSeconds}`
    : ''
  const parseParent = parentIdParser()
  const kept = (slot: ValidationSlot | undefined, check: (f: Findings) => Partial<OwnFindings>) => {
    const hit = slot?.own
    if (hit && hit.context === context) return hit
    const f = new Findings(locate)
    const found = check(f)
    const result: OwnFindings = {
      context,
      diagnostics: f.diagnostics,
      parentToResolve: found.parentToResolve ?? false,
      federationsToResolve: found.federationsToResolve ?? NONE,
      naturalKey: found.naturalKey ?? '',
    }
    if (slot) slot.own = result
    return result
  }
  const nodeSlots = slots?.('Node')
  const entrySlots = slots?.('Entry')
  const nodes = desired.nodes.map((node, i) =>
    kept(nodeSlots?.[i], (f) => {
      checkNodeId(node, tdName, f)
      checkNodeContents(node, f)
      return {}
    }),
  )
  const entries = desired.entries.map((entry, i) =>
    kept(entrySlots?.[i], (f) => {
      const parentToResolve = checkEntryIds(entry, tdName, f, parseParent)
      checkEntryContents(entry, desired, f)
      const federationsToResolve = checkFederatesWith(entry, tdName, f)
      return { parentToResolve, federationsToResolve, naturalKey: naturalKey(entry) }
    }),
  )
  return { nodes, entries }
}
