/**
 * What policy evaluation may keep between checks of one repository (PURE): outcomes of expressions by
 * object, kept only where the outcome provably depends on nothing else that may have changed.
 */
import type { AnyObject, EntryObject } from '../model/types.js'
import { EntryFactsMemo, type EntryFacts } from './repository-facts.js'

/** What one expression gave for one object: a bool, a value of another type, or an evaluation error. */
export type PolicyOutcome = boolean | { readonly type: string } | { readonly error: string }

/**
 * How an expression reads the `repository` variable: not at all; only as
 * `repository.entries[object.metadata.name]` (the matched entry's own facts) with `object` never
 * rebound by a macro; or in any other way. Conservative: a mention inside a string literal counts.
 */
export type RepositoryUse = 'none' | 'own-entry' | 'any'

const MENTION = /\brepository\b/g
const OWN_ENTRY = /\brepository\s*\.\s*entries\s*\[\s*object\s*\.\s*metadata\s*\.\s*name\s*\]/g
// a macro (all, exists, map, filter, bind…) naming its variable `object` hides the matched object
const REBINDS_OBJECT = /\(\s*object\s*,/

export function repositoryUse(expression: string): RepositoryUse {
  const mentions = expression.match(MENTION)?.length ?? 0
  if (mentions === 0) return 'none'
  const own = expression.match(OWN_ENTRY)?.length ?? 0
  return own === mentions && !REBINDS_OBJECT.test(expression) ? 'own-entry' : 'any'
}

/** An outcome and, for `own-entry` expressions, the entry facts it was computed with. */
interface Remembered {
  readonly outcome: PolicyOutcome
  readonly facts?: EntryFacts
}

/** Outcomes by expression and object; objects of unchanged files keep theirs across checks. */
export class PolicyMemo {
  readonly entryFacts = new EntryFactsMemo()
  private readonly outcomes = new Map<string, WeakMap<AnyObject, Remembered>>()

  /** The outcome of `expression` for `object`, computed with `evaluate` unless kept (with the same `facts`). */
  outcome(
    expression: string,
    object: AnyObject | EntryObject,
    evaluate: () => PolicyOutcome,
    facts?: EntryFacts,
  ): PolicyOutcome {
    let byObject = this.outcomes.get(expression)
    if (!byObject) this.outcomes.set(expression, (byObject = new WeakMap()))
    const held = byObject.get(object)
    if (held && held.facts === facts) return held.outcome
    const outcome = evaluate()
    byObject.set(object, facts ? { outcome, facts } : { outcome })
    return outcome
  }
}
