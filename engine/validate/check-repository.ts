/** The whole lint pipeline over a snapshot: model → semantic rules → policies → waivers. Pure. */
import { compareDiagnostics, type Diagnostic } from '../core/diagnostics.js'
import type { ModelResult } from '../model/model-result.js'
import { parseModel } from '../model/parse-model.js'
import type { DesiredState, PolicyObject, SourceSnapshot } from '../model/types.js'
import { applyWaivers, evaluatePolicies } from '../policy/index.js'
import { validateModel } from './validate-model.js'

/** Everything `sigil lint` and `sigil plan` need from one check of a repository. */
export interface RepositoryCheck {
  readonly desired: DesiredState
  /** Every finding, sorted by `compareDiagnostics`. */
  readonly diagnostics: Diagnostic[]
  readonly locate: ModelResult['locate']
  /** YAML files read. */
  readonly files: number
  /** Objects that passed the schema. */
  readonly objects: number
}

/**
 * Checks a repository snapshot end to end; `todayMs` decides which waivers have expired.
 * @example
 * const check = checkRepository(snapshot, { builtinPolicies: await readBuiltinPolicies(), todayMs: Date.now() })
 * if (hasErrors(check.diagnostics)) process.exitCode = 1
 */
export function checkRepository(
  snapshot: SourceSnapshot,
  options: { readonly builtinPolicies: readonly PolicyObject[]; readonly todayMs: number },
): RepositoryCheck {
  const model = parseModel(snapshot)
  const { desired, locate } = model
  const found = [
    ...model.diagnostics,
    ...validateModel(desired, locate),
    ...evaluatePolicies(desired, { policies: [...options.builtinPolicies, ...desired.policies], locate }),
  ]
  const diagnostics = applyWaivers(found, desired, { todayMs: options.todayMs, locate }).sort(
    compareDiagnostics,
  )
  const d = desired
  const objects =
    (d.trustDomain ? 1 : 0) +
    d.scopes.length +
    d.roles.length +
    d.entries.length +
    d.nodes.length +
    d.federationBundles.length +
    d.policies.length
  return { desired, diagnostics, locate, files: snapshot.files.length, objects }
}
