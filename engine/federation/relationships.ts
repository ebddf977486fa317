/**
 * Federation relationships as pure data (no I/O, no clock): which bundle each foreign trust domain
 * delivers (fetched, else the pinned one from Git), which authorities authenticate an `https_spiffe`
 * endpoint, when to poll again, and the per-relationship view `sigil bundle list` prints.
 */
import { createHash } from 'node:crypto'
import {
  encodeBundleJson,
  parseBundleJson,
  parseBundlePem,
  type TrustBundle,
  type X509Authority,
} from '../ca/bundle.js'
import { parseSpiffeId } from '../core/spiffe-id.js'
import type { LiveFederationBundle } from '../plan/types.js'
import type { ForeignBundleState } from '../store/foreign-bundle-store.js'

/** Poll timing (spiffe-reference §4.2, §4.5: SPIRE honours hints of at least a minute). */
export interface FederationTiming {
  /** Floor of the honoured `spiffe_refresh_hint`. */
  readonly minRefreshMs: number
  /** Interval when the bundle has no hint (or none was fetched yet). */
  readonly defaultRefreshMs: number
}

export const DEFAULT_FEDERATION_TIMING: FederationTiming = {
  minRefreshMs: 60_000,
  defaultRefreshMs: 5 * 60_000,
}

/** Hints above a day are capped: a partner's typo must not stop polling for months. */
const MAX_REFRESH_MS = 24 * 60 * 60_000

/** How long to wait after a good fetch of `bundle`. */
export function refreshIntervalMs(bundle: TrustBundle | undefined, timing: FederationTiming): number {
  const hint = bundle?.refreshHintSeconds
  const wanted = hint !== undefined && hint > 0 ? hint * 1000 : timing.defaultRefreshMs
  return Math.min(MAX_REFRESH_MS, Math.max(timing.minRefreshMs, wanted))
}

/**
 * How long to wait after the `failures`-th failure in a row: a quarter of the interval (SPIRE makes
 * four attempts per refresh period), doubling up to the interval itself — retried, never hammered.
 */
export function retryDelayMs(failures: number, intervalMs: number): number {
  const first = Math.max(1000, intervalMs / 4)
  return Math.min(intervalMs, first * 2 ** Math.max(0, Math.min(failures - 1, 16)))
}

/** The bundle pinned in Git (`spec.bundle`, SPIFFE JSON or PEM); undefined when absent or unparsable. */
export function pinnedBundle(rel: LiveFederationBundle): TrustBundle | undefined {
  const text = rel.bundle.trim()
  if (text === '') return undefined
  try {
    return text.startsWith('{')
      ? parseBundleJson(text, rel.trustDomain)
      : parseBundlePem(text, rel.trustDomain)
  } catch {
    return undefined // lint reports it; a broken pin must not block unrelated relationships
  }
}

/**
 * The bundle each relationship delivers to workloads: with an endpoint, the latest fetched one, else
 * the pinned bootstrap; without an endpoint, only the pinned one. Relationships not in Git deliver nothing.
 */
export function deliveredBundles(
  relationships: readonly LiveFederationBundle[],
  fetched: ReadonlyMap<string, TrustBundle>,
): Map<string, TrustBundle> {
  const out = new Map<string, TrustBundle>()
  for (const rel of relationships) {
    const bundle = (rel.endpointUrl !== '' ? fetched.get(rel.trustDomain) : undefined) ?? pinnedBundle(rel)
    if (bundle) out.set(rel.trustDomain, bundle)
  }
  return out
}

/**
 * The X.509 authorities that authenticate `rel`'s https_spiffe endpoint: the local bundle when the
 * endpoint belongs to this trust domain, else the delivered bundle of the endpoint's trust domain
 * (for a self-serving endpoint: the last fetched one, else the bootstrap pin).
 */
export function endpointAuthorities(
  rel: LiveFederationBundle,
  local: TrustBundle,
  delivered: ReadonlyMap<string, TrustBundle>,
): readonly X509Authority[] {
  const id = parseSpiffeId(rel.endpointSpiffeId)
  if (!id.ok) return []
  if (id.value.trustDomain === local.trustDomain) return local.x509Authorities
  return delivered.get(id.value.trustDomain)?.x509Authorities ?? []
}

/** SHA-256 of a bundle's content (keys and sequence; the refresh hint aside). */
export function bundleDigest(bundle: TrustBundle): string {
  const { refreshHintSeconds: _hint, ...content } = bundle
  return createHash('sha256').update(encodeBundleJson(content)).digest('hex')
}

/** What a relationship's configuration is; a change makes the poller fetch at once. */
export const relationshipKey = (rel: LiveFederationBundle): string =>
  [rel.endpointUrl, rel.endpointProfile, rel.endpointSpiffeId, rel.bundle].join('\n')

/** One line of `sigil bundle list`. */
export interface RelationshipView {
  readonly name: string
  readonly trustDomain: string
  readonly endpointUrl: string
  readonly profile: string
  readonly endpointSpiffeId: string
  readonly pinned: boolean
  /** What workloads receive: the fetched bundle, the pinned one, or none yet. */
  readonly delivering: 'fetched' | 'pinned' | 'none'
  readonly sequence: number | null
  readonly x509Authorities: number
  readonly jwtAuthorities: number
  readonly changedAtMs: number
  readonly lastAttemptAtMs: number
  readonly lastSuccessAtMs: number
  readonly lastError: string
  readonly consecutiveFailures: number
  readonly nextAttemptAtMs: number
  readonly versions: number
}

/** Joins the relationships declared in Git with their fetch state. */
export function relationshipViews(
  relationships: readonly LiveFederationBundle[],
  states: readonly ForeignBundleState[],
  versions: ReadonlyMap<string, number>,
): RelationshipView[] {
  const byTd = new Map(states.map((s) => [s.trustDomain, s]))
  return [...relationships]
    .sort((a, b) => (a.trustDomain < b.trustDomain ? -1 : a.trustDomain > b.trustDomain ? 1 : 0))
    .map((rel) => {
      const state = byTd.get(rel.trustDomain)
      let fetched: TrustBundle | undefined
      if (rel.endpointUrl !== '' && state && state.bundleJson !== '') {
        try {
          fetched = parseBundleJson(state.bundleJson, rel.trustDomain)
        } catch {
          fetched = undefined
        }
      }
      const pinned = pinnedBundle(rel)
      const shown = fetched ?? pinned
      return {
        name: rel.name,
        trustDomain: rel.trustDomain,
        endpointUrl: rel.endpointUrl,
        profile: rel.endpointProfile,
        endpointSpiffeId: rel.endpointSpiffeId,
        pinned: pinned !== undefined,
        delivering: fetched ? 'fetched' : pinned ? 'pinned' : 'none',
        sequence: shown ? shown.sequence : null,
        x509Authorities: shown?.x509Authorities.length ?? 0,
        jwtAuthorities: shown?.jwtAuthorities.length ?? 0,
        changedAtMs: state?.changedAtMs ?? 0,
        lastAttemptAtMs: state?.lastAttemptAtMs ?? 0,
        lastSuccessAtMs: state?.lastSuccessAtMs ?? 0,
        lastError: state?.lastError ?? '',
        consecutiveFailures: state?.consecutiveFailures ?? 0,
        nextAttemptAtMs: state?.nextAttemptAtMs ?? 0,
        versions: versions.get(rel.trustDomain) ?? 0,
      }
    })
}
