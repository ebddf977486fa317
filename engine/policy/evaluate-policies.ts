/** Evaluates `kind: Policy` objects (user and built-in) over the desired state. */
import type { Diagnostic, SourceSpan } from '../core/diagnostics.js'
import type { ModelResult } from '../model/model-result.js'
import type {
  AnyObject,
  DesiredState,
  EntryObject,
  Kind,
  ObjectSource,
  PolicyObject,
} from '../model/types.js'
import { compileExpression, describeCelError, type PolicyContext } from './cel.js'
import { POLICY_CODES } from './codes.js'
import type { PolicyMemo, PolicyOutcome, PolicySlot } from './policy-memo.js'
import { repositoryUse } from './policy-memo.js'
import { EntryFactsMemo, lazyRepositoryFacts, type EntryFacts } from './repository-facts.js'

/** Options of `evaluatePolicies`. */
export interface EvaluatePoliciesOptions {
  /** User policies and the built-in pack; the desired state's own policies are not added implicitly. */
  readonly policies: readonly PolicyObject[]
  readonly locate: ModelResult['locate']
  /** What is kept from earlier checks with the same policies; the result is the same without it. */
  readonly memo?: PolicyMemo
  /** Where the memo keeps each object's outcomes: the slots of each kind's list, aligned with it. */
  readonly slots?: (kind: Kind) => readonly PolicySlot[]
}

/**
 * One diagnostic per (policy, object) whose expression is false, with the policy's severity, `rule`
 * = the policy name and a span at the policy's `spec.path` (else the document); broken expressions
 * are diagnostics on the Policy document, never exceptions.
 */
export function evaluatePolicies(desired: DesiredState, options: EvaluatePoliciesOptions): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const objects = objectsByKind(desired)
  const memo = options.memo
  const factsOf = (memo?.entryFacts ?? new EntryFactsMemo()).factsOf(desired)
  // each member of the facts is built on its first read, once for all policies
  const repository = lazyRepositoryFacts(desired, factsOf)
  for (const [index, policy] of options.policies.entries()) {
    const compiled = compileExpression(policy.spec.expression)
    if (!compiled.ok) {
      diagnostics.push(policyProblem(policy, POLICY_CODES.invalidExpression, compiled.reason, options.locate))
      continue
    }
    const expression = policy.spec.expression
    const use = repositoryUse(expression)
    const evaluate = (raw: PolicyContext['object'], facts: object): PolicyOutcome => {
      try {
        const result = compiled.evaluate({ object: raw, repository: facts })
        return typeof result === 'boolean' ? result : { type: typeof result }
      } catch (err) {
        return { error: describeCelError(err) }
      }
    }
    const kept = (slot: PolicySlot | undefined, run: () => PolicyOutcome, facts?: EntryFacts) =>
      memo && slot ? memo.outcome(slot, index, run, facts) : run()
    const outcomeOf = (object: AnyObject, slot: PolicySlot | undefined): PolicyOutcome => {
      if (use === 'none') return kept(slot, () => evaluate(object.raw, repository))
      const own = use === 'own-entry' ? ownEntryFacts(object, factsOf) : undefined
      if (!own) return evaluate(object.raw, repository)
      // the expression reads nothing of the repository but these facts, under this name
      const only = Object.assign(Object.create(null) as object, { [own.name]: own.facts })
      return kept(slot, () => evaluate(object.raw, { entries: only }), own.facts)
    }
    const pointer = policyPath(policy)
    const failures = { count: 0, first: '', reason: '', nonBoolean: '' }
    forEachCandidate(policy, objects, options.slots, (object, slot) => {
      const outcome = outcomeOf(object, slot)
      if (outcome === true) return
      if (outcome !== false) {
        if ('error' in outcome) {
          if (failures.count++ === 0) [failures.first, failures.reason] = [ref(object), outcome.error]
        } else {
          failures.nonBoolean ||= `expression returned ${outcome.type}, not bool, for ${ref(object)}`
        }
        return
      }
      diagnostics.push({
        code: POLICY_CODES.violation,
        severity: policy.spec.severity,
        message: policy.spec.message,
        path: pointer,
        span: options.locate(object.source, pointer),
        rule: policy.metadata.name,
        object: ref(object),
      })
    })
    if (failures.nonBoolean) {
      diagnostics.push(
        policyProblem(policy, POLICY_CODES.invalidExpression, failures.nonBoolean, options.locate),
      )
    }
    if (failures.count > 0) {
      const more = failures.count > 1 ? ` (and ${failures.count - 1} more)` : ''
      const message = `expression failed for ${failures.first}${more}: ${failures.reason}`
      diagnostics.push(policyProblem(policy, POLICY_CODES.evaluationFailed, message, options.locate))
    }
  }
  return diagnostics
}

/** An Entry's facts and the name an expression finds them under (`object.metadata.name` as written). */
function ownEntryFacts(
  object: AnyObject,
  factsOf: (entry: EntryObject) => EntryFacts,
): { name: string; facts: EntryFacts } | undefined {
  if (object.kind !== 'Entry') return undefined
  const metadata = object.raw['metadata'] as Record<string, unknown> | undefined
  const name = metadata?.['name']
  return name === object.metadata.name ? { name, facts: factsOf(object) } : undefined
}

/** `Kind/name`, the `object` field of diagnostics. */
export function ref(object: Pick<AnyObject, 'kind' | 'metadata'>): string {
  return `${object.kind}/${object.metadata.name}`
}

function objectsByKind(desired: DesiredState): ReadonlyMap<Kind, readonly AnyObject[]> {
  return new Map<Kind, readonly AnyObject[]>([
    ['TrustDomain', desired.trustDomain ? [desired.trustDomain] : []],
    ['Scope', desired.scopes],
    ['Role', desired.roles],
    ['FederationBundle', desired.federationBundles],
    ['Node', desired.nodes],
    ['Entry', desired.entries],
    ['Policy', desired.policies],
  ])
}

/** Calls `fn` for each object `policy` matches, in kind order then list order, with its slot. */
function forEachCandidate(
  policy: PolicyObject,
  objects: ReadonlyMap<Kind, readonly AnyObject[]>,
  slots: EvaluatePoliciesOptions['slots'],
  fn: (object: AnyObject, slot: PolicySlot | undefined) => void,
): void {
  const { kinds, spiffeIdPrefix, labels } = policy.spec.match
  const wanted = kinds.length > 0 ? kinds : [...objects.keys()]
  const labelPairs = Object.entries(labels)
  for (const kind of wanted) {
    const list = objects.get(kind) ?? []
    const kindSlots = list.length > 0 ? slots?.(kind) : undefined
    for (let i = 0; i < list.length; i++) {
      const object = list[i] as AnyObject
      if (spiffeIdPrefix !== undefined && !spiffeIdOf(object)?.startsWith(spiffeIdPrefix)) continue
      if (labelPairs.length > 0 && labelPairs.some(([k, v]) => object.metadata.labels[k] !== v)) continue
      fn(object, kindSlots?.[i])
    }
  }
}

function spiffeIdOf(object: AnyObject): string | undefined {
  return object.kind === 'Entry' || object.kind === 'Node' ? object.spec.spiffeId : undefined
}

/** The optional `spec.path` of a policy (a JSON pointer into matched documents), read from the document as written. */
function policyPath(policy: PolicyObject): string {
  const spec = policy.raw['spec']
  const path = spec && typeof spec === 'object' ? (spec as Record<string, unknown>)['path'] : undefined
  return typeof path === 'string' && (path === '' || path.startsWith('/')) ? path : ''
}

function policyProblem(
  policy: PolicyObject,
  code: string,
  message: string,
  locate: ModelResult['locate'],
): Diagnostic {
  return {
    code,
    severity: 'error',
    message: `policy ${policy.metadata.name}: ${message}`,
    path: '/spec/expression',
    span: safeLocate(locate, policy.source, '/spec/expression'),
    object: ref(policy),
  }
}

/** Built-in policies live outside the repository, where the repository's locator may not reach. */
function safeLocate(locate: ModelResult['locate'], source: ObjectSource, pointer: string): SourceSpan {
  try {
    return locate(source, pointer)
  } catch {
    return source.span
  }
}
