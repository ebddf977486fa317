/** Names that refer to other objects: Entry roles → Role, Role scopes → Scope, federatesWith → FederationBundle. */
import { parseTrustDomain } from '../../core/spiffe-id.js'
import type { DesiredState } from '../../model/types.js'
import type { Findings } from '../report.js'
import { didYouMean } from '../suggest.js'

/** Runs the reference rules. */
export function checkReferences(desired: DesiredState, f: Findings): void {
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
  const roles = desired.roles.map((r) => r.metadata.name)
  const roleSet = new Set(roles)
  const own = desired.trustDomain?.metadata.name
  const federated = desired.federationBundles.map((b) => b.spec.trustDomain)
  const federatedSet = new Set(federated)
  for (const entry of desired.entries) {
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
      } else if (!federatedSet.has(td)) {
        f.add(
          entry,
          'ERR_MODEL_UNKNOWN_FEDERATION',
          pointer,
          `no FederationBundle is declared for trust domain "${td}"`,
          didYouMean(td, federated),
        )
      }
    })
  }
}
