/**
 * Effective access: the scopes a SPIFFE ID holds are the union of the scopes of the roles on its
 * entries (default deny). Shared by lint policies, plan access diffs and the authorization engine.
 */

/** Minimal inputs: entries with role names, roles with scope names. */
export interface GrantInputs {
  readonly entries: readonly { readonly spiffeId: string; readonly roles: readonly string[] }[]
  readonly roles: readonly { readonly name: string; readonly scopes: readonly string[] }[]
}

/** SPIFFE ID → scope → sorted role names that grant it. Unknown roles grant nothing. */
export type Grants = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>

/** Computes every grant. Deterministic: role lists are sorted. */
export function computeGrants(inputs: GrantInputs): Grants {
  const roleScopes = new Map(inputs.roles.map((r) => [r.name, r.scopes]))
  const grants = new Map<string, Map<string, string[]>>()
  for (const entry of inputs.entries) {
    for (const role of entry.roles) {
      const scopes = roleScopes.get(role)
      if (!scopes) continue
      let byScope = grants.get(entry.spiffeId)
      if (!byScope) grants.set(entry.spiffeId, (byScope = new Map()))
      for (const scope of scopes) {
        const via = byScope.get(scope)
        if (!via) byScope.set(scope, [role])
        else if (!via.includes(role)) via.push(role)
      }
    }
  }
  for (const byScope of grants.values()) for (const via of byScope.values()) via.sort()
  return grants
}

/** The roles granting `scope` to `spiffeId` (empty = deny). */
export function grantingRoles(grants: Grants, spiffeId: string, scope: string): readonly string[] {
  return grants.get(spiffeId)?.get(scope) ?? []
}
