/**
 * The CEL environment of policies: two variables, `object` (the matched document as written) and
 * `repository` (precomputed facts, see repository-facts.ts), plus `spiffeIDSegments(id)`.
 * Expressions are compiled once per text.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js'

/** A compiled policy expression, or why it does not compile. */
export type CompiledExpression =
  | { readonly ok: true; readonly evaluate: (context: PolicyContext) => unknown }
  | { readonly ok: false; readonly reason: string }

/** The variables every policy expression sees. */
export interface PolicyContext {
  readonly object: Readonly<Record<string, unknown>>
  readonly repository: object
}

// Limits keep a hostile or careless expression from costing more than a lint run can afford.
const environment = new Environment({
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 2_000, maxDepth: 50 },
})
  .registerVariable('object', 'map')
  .registerVariable('repository', 'map')
  .registerFunction('spiffeIDSegments(string): list<string>', spiffeIdSegments)

/** Path segments of a SPIFFE ID (`spiffe://td/a/b` → `[a, b]`); `[]` for anything else. Cheaper than a regex. */
export function spiffeIdSegments(id: string): string[] {
  if (!id.startsWith('spiffe://')) return []
  const slash = id.indexOf('/', 9)
  return slash < 0 ? [] : id.slice(slash + 1).split('/')
}

const cache = new Map<string, CompiledExpression>()

/** Compiles `expression` (cached by text); it must type-check to `bool` (or `dyn`, checked when run). */
export function compileExpression(expression: string): CompiledExpression {
  let compiled = cache.get(expression)
  if (!compiled) {
    compiled = compile(expression)
    cache.set(expression, compiled)
  }
  return compiled
}

function compile(expression: string): CompiledExpression {
  let parsed: ParseResult
  try {
    parsed = environment.parse(expression)
  } catch (err) {
    return { ok: false, reason: describeCelError(err) }
  }
  const checked = parsed.check()
  if (!checked.valid) return { ok: false, reason: describeCelError(checked.error) }
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return { ok: false, reason: `expression must return bool, not ${checked.type ?? 'unknown'}` }
  }
  return { ok: true, evaluate: (context) => parsed(context) as unknown }
}

/** One line describing a CEL parse, type or evaluation error (the library's message adds a source excerpt). */
export function describeCelError(err: unknown): string {
  if (err && typeof err === 'object' && 'summary' in err && typeof err.summary === 'string') {
    return lowerFirst(err.summary)
  }
  const message = err instanceof Error ? err.message : String(err)
  return lowerFirst(message.split('\n')[0] ?? message)
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1)
