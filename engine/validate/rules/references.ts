/** Names that refer to other objects: Entry roles → Role, Role scopes → Scope, federatesWith → FederationBundle. */
import { parseTrustDomain } from '../../core/spiffe-id.js'
import type { DesiredState, EntryObject } from '../../model/types.js'
import type { Findings } from '../report.js'
import { didYouMean } from '../suggest.js'

/** Role scopes that are not declared. */
export function checkRoleScopes(desired: DesiredState, f: Findings): void {
  const scopes = desired.scopes.map((s) => s.metadata.name)
  const scopeSet = new Set(scopes)
  for (const role of desired.roles) {
    role.spec.scopes.forEach((scope, i) => {
      if (!scopeSet.has(scope)) {
        f.add(
          role,
          'ERR_MODEL_UNKNOWN_SCOPE',
          `/spec/scopes/${i}`,
          `scope "${scope}" is not declared`,
          didYouMean(scope, scopes),
        )
      }
    })
  }
}

/**
 * The rules on one Entry's federatesWith names by themselves; returns the indices of the valid
 * names of other trust domains, which must name a declared FederationBundle (`checkEntryReferences`).
 */
export function checkFederatesWith(entry: EntryObject, own: string | undefined, f: Findings): number[] {
  const toResolve: number[] = []
  entry.spec.federatesWith.forEach((td, i) => {
    const pointer = `/spec/federatesWith/${i}`
    const parsed = parseTrustDomain(td)
    if (!parsed.ok) {
      const hint = td.startsWith('spiffe://')
        ? `write the trust domain name only, e.g. "${td.slice(9).split('/')[0] ?? ''}"`
        : undefined
      f.add(
        entry,
        'ERR_MODEL_INVALID_TRUST_DOMAIN',
        pointer,
        `federatesWith "${td}" is not a trust domain name: ${parsed.reason}`,
        hint,
      )
    } else if (td === own) {
      f.add(
        entry,
        'ERR_MODEL_FEDERATES_WITH_SELF',
        pointer,
        `federatesWith names the repository's own trust domain "${td}"`,
      )
    } else toResolve.push(i)
  })
  return toResolve
}

/**
 * Entry roles that are not declared, and federatesWith names without a FederationBundle
 * (`federations[i]`: `checkFederatesWith` of `desired.entries[i]`).
 */
export function checkEntryReferences(
  desired: DesiredState,
  federations: readonly (readonly number[])[],
  f: Findings,
): void {
  const roles = desired.roles.map((r) => r.metadata.name)
  const roleSet = new Set(roles)
  const federated = desired.federationBundles.map((b) => b.spec.trustDomain)
  const federatedSet = new Set(federated)
  desired.entries.forEach((entry, e) => {
    entry.spec.roles.forEach((role, i) => {
      if (!roleSet.has(role)) {
        f.add(
          entry,
          'ERR_MODEL_UNKNOWN_ROLE',
          `/spec/roles/${i}`,
          `role "${role}" is not declared`,
          didYouMean(role, roles),
        )
      }
    })
    for (const i of federations[e] ?? []) {
      const td = entry.spec.federatesWith[i] as string
      if (federatedSet.has(td)) continue
      f.add(
        entry,
        'ERR_MODEL_UNKNOWN_FEDERATION',
        `/spec/federatesWith/${i}`,
        `no FederationBundle is declared for trust domain "${td}"`,
        didYouMean(td, federated),
      )
    }
  })
}
