/** Evaluates `kind: Policy` objects (user and built-in) over the desired state. */
import type { Diagnostic, SourceSpan } from '../core/diagnostics.js'
import type { ModelResult } from '../model/model-result.js'
import type { AnyObject, DesiredState, ObjectSource, PolicyObject } from '../model/types.js'
import { compileExpression, describeCelError, type PolicyContext } from './cel.js'
import { POLICY_CODES } from './codes.js'
import { buildRepositoryFacts } from './repository-facts.js'

/** What one expression gave for one object: a bool, a value of another type, or an evaluation error. */
export type PolicyOutcome = boolean | { readonly type: string } | { readonly error: string }

/**
 * Outcomes of expressions that do not read `repository`, by object and expression text: they depend
 * on the object's document alone, so objects of unchanged files keep theirs across runs.
 */
export type PolicyMemo = WeakMap<AnyObject, Map<string, PolicyOutcome>>

/** Options of `evaluatePolicies`. */
export interface EvaluatePoliciesOptions {
  /** User policies and the built-in pack; the desired state's own policies are not added implicitly. */
  readonly policies: readonly PolicyObject[]
  readonly locate: ModelResult['locate']
  readonly memo?: PolicyMemo
}

/** Whether an expression can read the `repository` variable (conservative: any mention counts). */
export function readsRepository(expression: string): boolean {
  return /\brepository\b/.test(expression)
}

/**
 * One diagnostic per (policy, object) whose expression is false, with the policy's severity, `rule`
 * = the policy name and a span at the policy's `spec.path` (else the document); broken expressions
 * are diagnostics on the Policy document, never exceptions.
 */
export function evaluatePolicies(desired: DesiredState, options: EvaluatePoliciesOptions): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const objects = objectsByKind(desired)
  let facts: object | undefined
  const repository = () => (facts ??= buildRepositoryFacts(desired))
  for (const policy of options.policies) {
    const compiled = compileExpression(policy.spec.expression)
    if (!compiled.ok) {
      diagnostics.push(policyProblem(policy, POLICY_CODES.invalidExpression, compiled.reason, options.locate))
      continue
    }
    const expression = policy.spec.expression
    const memo = readsRepository(expression) ? undefined : options.memo
    const evaluate = (object: AnyObject): PolicyOutcome => {
      // the facts are built only when an expression reads them
      const context = {
        object: object.raw,
        get repository() {
          return repository()
        },
      }
      try {
        const result = compiled.evaluate(context as PolicyContext)
        return typeof result === 'boolean' ? result : { type: typeof result }
      } catch (err) {
        return { error: describeCelError(err) }
      }
    }
    const pointer = policyPath(policy)
    const failures = { count: 0, first: '', reason: '', nonBoolean: '' }
    for (const object of candidates(policy, objects)) {
      const outcome = memo ? remembered(memo, object, expression, evaluate) : evaluate(object)
      if (outcome === true) continue
      if (outcome !== false) {
        if ('error' in outcome) {
          if (failures.count++ === 0) [failures.first, failures.reason] = [ref(object), outcome.error]
        } else {
          failures.nonBoolean ||= `expression returned ${outcome.type}, not bool, for ${ref(object)}`
        }
        continue
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
    }
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

function remembered(
  memo: PolicyMemo,
  object: AnyObject,
  expression: string,
  evaluate: (object: AnyObject) => PolicyOutcome,
): PolicyOutcome {
  let outcomes = memo.get(object)
  if (!outcomes) memo.set(object, (outcomes = new Map()))
  let outcome = outcomes.get(expression)
  if (outcome === undefined) outcomes.set(expression, (outcome = evaluate(object)))
  return outcome
}

/** `Kind/name`, the `object` field of diagnostics. */
export function ref(object: Pick<AnyObject, 'kind' | 'metadata'>): string {
  return `${object.kind}/${object.metadata.name}`
}

function objectsByKind(desired: DesiredState): ReadonlyMap<string, readonly AnyObject[]> {
  return new Map<string, readonly AnyObject[]>([
    ['TrustDomain', desired.trustDomain ? [desired.trustDomain] : []],
    ['Scope', desired.scopes],
    ['Role', desired.roles],
    ['FederationBundle', desired.federationBundles],
    ['Node', desired.nodes],
    ['Entry', desired.entries],
    ['Policy', desired.policies],
  ])
}

function* candidates(
  policy: PolicyObject,
  objects: ReadonlyMap<string, readonly AnyObject[]>,
): Iterable<AnyObject> {
  const { kinds, spiffeIdPrefix, labels } = policy.spec.match
  const wanted = kinds.length > 0 ? kinds : [...objects.keys()]
  const labelPairs = Object.entries(labels)
  for (const kind of wanted) {
    for (const object of objects.get(kind) ?? []) {
      if (spiffeIdPrefix !== undefined && !spiffeIdOf(object)?.startsWith(spiffeIdPrefix)) continue
      if (labelPairs.some(([k, v]) => object.metadata.labels[k] !== v)) continue
      yield object
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
