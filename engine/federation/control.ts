/**
 * What `sigil bundle list` and `sigil bundle history` read: the relationships declared in the store
 * joined with their fetch state, from a running server's admin socket or from the store directly.
 * Admin wire methods `federationList` and `federationHistory` (same protocol as the store methods).
 */
import { callAdmin } from '../store/admin-client-store.js'
import type { ForeignBundleStore, ForeignBundleVersion } from '../store/foreign-bundle-store.js'
import type { LiveFederationBundle } from '../plan/types.js'
import { relationshipViews, type RelationshipView } from './relationships.js'

export interface FederationControl {
  list(): Promise<readonly RelationshipView[]>
  /** Versions of one foreign trust domain's bundle, newest first. */
  history(trustDomain: string): Promise<readonly ForeignBundleVersion[]>
}

export const FEDERATION_METHODS = ['federationList', 'federationHistory'] as const
export type FederationMethod = (typeof FEDERATION_METHODS)[number]

export function isFederationMethod(method: string): method is FederationMethod {
  return (FEDERATION_METHODS as readonly string[]).includes(method)
}

/** Runs one federation admin method with its wire arguments (`[trustDomain]` for history). */
export function dispatchFederation(
  control: FederationControl,
  method: FederationMethod,
  args: readonly unknown[],
): Promise<unknown> {
  if (method === 'federationList') return control.list()
  const td = args[0]
  if (typeof td !== 'string' || td === '' || td.length > 255)
    throw new TypeError('trust domain must be a string')
  return control.history(td)
}

/** The control on a store: relationships from `relationships()`, fetch state from `bundles`. */
export function storeFederationControl(
  relationships: () => Promise<readonly LiveFederationBundle[]>,
  bundles: ForeignBundleStore,
): FederationControl {
  return {
    async list() {
      const [rels, states, versions] = await Promise.all([
        relationships(),
        bundles.listForeignBundles(),
        bundles.countForeignBundleVersions(),
      ])
      return relationshipViews(rels, states, versions)
    },
    history: (trustDomain) => bundles.listForeignBundleHistory(trustDomain),
  }
}

/** The control of the server behind the admin socket at `socketPath`. */
export function adminFederationControl(socketPath: string): FederationControl {
  return {
    list: () => callAdmin<readonly RelationshipView[]>(socketPath, 'federationList'),
    history: (td) => callAdmin<readonly ForeignBundleVersion[]>(socketPath, 'federationHistory', [td]),
  }
}
