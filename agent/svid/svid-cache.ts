/**
 * The agent's SVID cache as the Workload API's `IdentitySource`: holds the pure `CacheState`,
 * notifies subscribers on every change (sync, rotation, expiry), caches JWT-SVIDs per
 * (SPIFFE ID, sorted audiences) until half their lifetime (and until expiry while the server cannot
 * mint), and validates JWT-SVIDs against the synced bundles.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { validateJwtSvid } from '../../engine/ca/validate-jwt-svid.js'
import type { Clock } from '../../engine/core/clock.js'
import type {
  IdentitySource,
  JwtSvidToken,
  TrustBundle,
  ValidatedJwtSvid,
  WorkloadIdentity,
} from '../workload-api/identity-source.js'
import {
  applySync,
  emptyCache,
  matchingSvids,
  storeSvid,
  type CacheState,
  type CachedBundle,
  type CachedX509Svid,
  type SyncState,
} from './cache.js'

/** Mints a JWT-SVID for an entry (MintJwtSvid on the server). */
export type JwtMinter = (entryId: string, audience: readonly string[]) => Promise<JwtSvidToken>

export interface SvidCacheDeps {
  readonly clock: Clock
  readonly mintJwtSvid: JwtMinter
}

interface CachedJwt {
  readonly svid: JwtSvidToken
  readonly refreshAtMs: number
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** See the module comment. */
export class SvidCache implements IdentitySource {
  private cache: CacheState = emptyCache()
  private readonly listeners = new Set<() => void>()
  private readonly jwts = new Map<string, CachedJwt>()
  private readonly jwtInFlight = new Map<string, Promise<JwtSvidToken>>()
  private readonly trustBundles = new WeakMap<CachedBundle, TrustBundle>()
  /** Serials of the SVIDs visible at the last notification (to notice expiries). */
  private visible = ''

  constructor(private readonly deps: SvidCacheDeps) {}

  /** The current pure state. */
  get state(): CacheState {
    return this.cache
  }

  /** Applies a full sync message; notifies when anything changed. Returns whether it did. */
  applySync(sync: SyncState): boolean {
    const { state, changed } = applySync(this.cache, sync)
    this.cache = state
    if (changed) {
      for (const key of [...this.jwts.keys()]) {
        const spiffeId = key.split('\n')[0]
        if (![...state.entries.values()].some((e) => e.spiffeId === spiffeId)) this.jwts.delete(key)
      }
      this.notify()
    }
    return changed
  }

  /** Stores minted SVIDs (stale ones are ignored) and notifies. */
  storeSvids(svids: readonly CachedX509Svid[]): void {
    for (const svid of svids) this.cache = storeSvid(this.cache, svid)
    if (svids.length > 0) this.notify()
  }

  /** Notifies subscribers if an SVID expired since the last notification (called by the rotator). */
  checkExpiry(): void {
    if (this.visibleKey() !== this.visible) this.notify()
  }

  identitiesFor(selectors: ReadonlySet<string>): readonly WorkloadIdentity[] {
    return matchingSvids(this.cache, selectors, this.deps.clock.now()).map(({ entry, svid }) => ({
      entryId: entry.id,
      spiffeId: svid.spiffeId,
      hint: entry.hint,
      certChainDer: svid.certChainDer,
      privateKeyPkcs8Der: svid.privateKeyPkcs8Der,
      federatesWith: entry.federatesWith,
    }))
  }

  localBundle(): TrustBundle | undefined {
    return this.cache.bundle && this.trustBundle(this.cache.bundle)
  }

  federatedBundles(trustDomains: readonly string[]): readonly TrustBundle[] {
    return trustDomains.flatMap((td) => {
      const b = this.cache.federated.get(td)
      return b ? [this.trustBundle(b)] : []
    })
  }

  subscribe(_selectors: ReadonlySet<string>, listener: () => void): () => void {
    const wrapped = () => listener()
    this.listeners.add(wrapped)
    return () => this.listeners.delete(wrapped)
  }

  /** Number of live subscriptions. */
  get subscriberCount(): number {
    return this.listeners.size
  }

  async fetchJwtSvid(identity: WorkloadIdentity, audience: readonly string[]): Promise<JwtSvidToken> {
    const key = `${identity.spiffeId}\n${[...new Set(audience)].sort(cmp).join('\n')}`
    const cached = this.jwts.get(key)
    if (cached && this.deps.clock.now() < cached.refreshAtMs) return cached.svid
    let pending = this.jwtInFlight.get(key)
    if (!pending) {
      const issuedAtMs = this.deps.clock.now()
      pending = this.deps
        .mintJwtSvid(identity.entryId, audience)
        .then((svid) => {
          this.jwts.set(key, { svid, refreshAtMs: issuedAtMs + (svid.expiresAtMs - issuedAtMs) / 2 })
          return svid
        })
        .finally(() => this.jwtInFlight.delete(key))
      this.jwtInFlight.set(key, pending)
    }
    try {
      return await pending
    } catch (err) {
      // server unreachable: a cached token past half life is still better than none until it expires
      if (cached && this.deps.clock.now() < cached.svid.expiresAtMs) return cached.svid
      throw err
    }
  }

  validateJwtSvid(token: string, audience: string): Promise<ValidatedJwtSvid> {
    const bundles = (td: string) => {
      const b = this.cache.bundle?.trustDomain === td ? this.cache.bundle : this.cache.federated.get(td)
      return b?.jwtAuthorities.map((a) => ({ kid: a.kid, publicKeySpkiDer: a.publicKeySpkiDer }))
    }
    return validateJwtSvid(token, { audience, bundles, nowMs: this.deps.clock.now() })
  }

  private visibleKey(): string {
    const nowMs = this.deps.clock.now()
    return [...this.cache.svids.values()]
      .filter((s) => nowMs < s.notAfterMs)
      .map((s) => `${s.entryId}:${s.notAfterMs}`)
      .join(',')
  }

  private notify(): void {
    this.visible = this.visibleKey()
    for (const listener of [...this.listeners]) listener()
  }

  private trustBundle(bundle: CachedBundle): TrustBundle {
    let out = this.trustBundles.get(bundle)
    if (!out) {
      out = {
        trustDomain: bundle.trustDomain,
        x509AuthoritiesDer: bundle.x509AuthoritiesDer,
        jwtAuthorities: bundle.jwtAuthorities.map((a) => ({
          keyId: a.kid,
          publicKeyJwk: createPublicKey({ key: a.publicKeySpkiDer, format: 'der', type: 'spki' }).export({
            format: 'jwk',
          }) as JsonWebKey,
        })),
      }
      this.trustBundles.set(bundle, out)
    }
    return out
  }
}
