import { sha256Hex } from './digest.js'
import { sortSelectors } from './selector.js'

/**
 * The natural key of a registration entry: (SPIFFE ID, parent ID, sorted selectors), as SPIRE's
 * "similar entry" check and spire-controller-manager use. Two entries with the same key are the same
 * entry; editing any other field is an update that keeps the live entry ID.
 */
export function entryKeyText(spiffeId: string, parentId: string, selectors: readonly string[]): string {
  return JSON.stringify([spiffeId, parentId, sortSelectors(selectors)])
}

/** SHA-256 hex of `entryKeyText`: fixed length, for indexes and plan keys. */
export function entryKey(spiffeId: string, parentId: string, selectors: readonly string[]): string {
  return sha256Hex(entryKeyText(spiffeId, parentId, selectors))
}
