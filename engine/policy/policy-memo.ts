/**
 * What policy evaluation may keep between checks of one repository (PURE): outcomes of expressions by
 * object, kept only where the outcome provably depends on nothing else that may have changed.
 */
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

/** Where a checker keeps one object's outcomes between checks (objects of unchanged files are the same objects). */
export interface PolicySlot {
  /** The memo the outcomes belong to: another memo means another policy list. */
  memo?: PolicyMemo
  /** By position in the policy list. */
  outcomes?: (Remembered | undefined)[]
}

/** What evaluation keeps for one list of policies; a new list needs a new memo. */
export class PolicyMemo {
  readonly entryFacts = new EntryFactsMemo()

  /** The outcome of policy `index` for the slot's object, computed with `evaluate` unless kept (with the same `facts`). */
  outcome(slot: PolicySlot, index: number, evaluate: () => PolicyOutcome, facts?: EntryFacts): PolicyOutcome {
    if (slot.memo !== this) {
      slot.memo = this
      slot.outcomes = []
    }
    const outcomes = slot.outcomes as (Remembered | undefined)[]
    const held = outcomes[index]
    if (held && held.facts === facts) return held.outcome
    const outcome = evaluate()
    outcomes[index] = facts ? { outcome, facts } : { outcome }
    return outcome
  }
}
