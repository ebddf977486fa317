/** The whole lint pipeline over a snapshot: model → semantic rules → policies → waivers. Pure. */
import { compareDiagnostics, type Diagnostic } from '../core/diagnostics.js'
import type { ModelResult } from '../model/model-result.js'
import type { Assembly } from '../model/assemble-model.js'
import { assembleModel, parseFile, type ParsedFile } from '../model/parse-model.js'
import type { AnyObject, DesiredState, Kind, PolicyObject, SourceSnapshot } from '../model/types.js'
import { applyWaivers, evaluatePolicies, PolicyMemo, type PolicySlot } from '../policy/index.js'
import { validateModel, type ValidationSlot } from './validate-model.js'

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

/** Options of a check. */
export interface CheckOptions {
  readonly builtinPolicies: readonly PolicyObject[]
  /** Now, in ms since the epoch: decides which waivers have expired. */
  readonly todayMs: number
}

/**
 * Checks snapshot after snapshot of one repository, keeping what depends on one file alone: the
 * parsed and schema-checked objects of each file (kept while its path and text stay the same), the
 * rules about each object by itself and the outcomes of policies that read only the object. The
 * rules across objects and the policies reading `repository` run every time, so each check gives
 * exactly what a fresh `checkRepository` of the same snapshot gives.
 */
export class RepositoryChecker {
  private files = new Map<string, ParsedFile>()
  private assembly: Assembly | undefined
  private readonly slots = new WeakMap<AnyObject, ValidationSlot & PolicySlot>()
  private policies = { key: '', memo: new PolicyMemo() }

  /** Checks `snapshot`; see `checkRepository`. */
  check(snapshot: SourceSnapshot, options: CheckOptions): RepositoryCheck {
    const parsed = snapshot.files.map((file) => {
      const held = this.files.get(file.path)
      return held && held.text === file.text ? held : parseFile(file)
    })
    // files no longer in the snapshot are dropped, and their objects with them
    this.files = new Map(parsed.map((f) => [f.path, f]))
    const model = assembleModel(parsed, this.assembly)
    this.assembly = model
    const { desired, locate } = model
    const policies = [...options.builtinPolicies, ...desired.policies]
    const slots = this.slotsOf(desired)
    const found = [
      ...model.diagnostics,
      ...validateModel(desired, locate, slots),
      ...evaluatePolicies(desired, { policies, locate, memo: this.policyMemo(policies), slots }),
    ]
    const diagnostics = applyWaivers(found, desired, { todayMs: options.todayMs, locate }).sort(
      compareDiagnostics,
    )
    return { desired, diagnostics, locate, files: snapshot.files.length, objects: countObjects(desired) }
  }

  /** Each object's slot, per kind aligned with the desired lists; looked up once per check. */
  private slotsOf(desired: DesiredState): (kind: Kind) => readonly (ValidationSlot & PolicySlot)[] {
    const lists: Record<Kind, readonly AnyObject[]> = {
      TrustDomain: desired.trustDomain ? [desired.trustDomain] : [],
      Scope: desired.scopes,
      Role: desired.roles,
      FederationBundle: desired.federationBundles,
      Node: desired.nodes,
      Entry: desired.entries,
      Policy: desired.policies,
    }
    const aligned = new Map<Kind, (ValidationSlot & PolicySlot)[]>()
    return (kind) => {
      let slots = aligned.get(kind)
      if (!slots) {
        slots = lists[kind].map((o) => {
          let slot = this.slots.get(o)
          // every field from the start: one object shape for all slots
          if (!slot) this.slots.set(o, (slot = { own: undefined, memo: undefined, outcomes: undefined }))
          return slot
        })
        aligned.set(kind, slots)
      }
      return slots
    }
  }

  /** The memo for these policies; a new one when the expressions change (outcomes of old ones go). */
  private policyMemo(policies: readonly PolicyObject[]): PolicyMemo {
    const key = policies.map((p) => p.spec.expression).join('\u0000')
    if (key !== this.policies.key) this.policies = { key, memo: new PolicyMemo() }
    return this.policies.memo
  }
}

function countObjects(d: DesiredState): number {
  return (
    (d.trustDomain ? 1 : 0) +
    d.scopes.length +
    d.roles.length +
    d.entries.length +
    d.nodes.length +
    d.federationBundles.length +
    d.policies.length
  )
}

/**
 * Checks a repository snapshot end to end; `todayMs` decides which waivers have expired.
 * @example
 * const check = checkRepository(snapshot, { builtinPolicies: await readBuiltinPolicies(), todayMs: Date.now() })
 * if (hasErrors(check.diagnostics)) process.exitCode = 1
 */
export function checkRepository(snapshot: SourceSnapshot, options: CheckOptions): RepositoryCheck {
  return new RepositoryChecker().check(snapshot, options)
}
