/**
 * An in-memory `IdentitySource` over identities and bundles given by the caller (tests, bench, and
 * `sigil` setups without a server). `set` replaces the state and notifies subscribers. JWT-SVIDs come
 * from an injected minter and are cached per (SPIFFE ID, sorted audiences) until half their lifetime;
 * validation is an injected function (engine/ca validateJwtSvid in production wiring).
 */
import type {
  IdentitySource,
  JwtSvidToken,
  TrustBundle,
  ValidatedJwtSvid,
  WorkloadIdentity,
} from '../workload-api/identity-source.js'
import { entryMatches } from './match.js'

/** A workload identity with the registration entry's selectors and creation time. */
export interface StaticIdentity extends WorkloadIdentity {
  readonly selectors: readonly string[]
  /** Orders identities (oldest first = default); ties by entry ID. */
  readonly createdAtMs: number
}

/** The whole state of a `StaticIdentitySource`. */
export interface StaticIdentityState {
  readonly identities: readonly StaticIdentity[]
  readonly localBundle: TrustBundle | undefined
  readonly federatedBundles: readonly TrustBundle[]
}

export interface StaticIdentitySourceDeps {
  readonly now: () => number
  /** Mints a JWT-SVID; called only on a cache miss. */
  readonly mintJwtSvid: (identity: WorkloadIdentity, audience: readonly string[]) => Promise<JwtSvidToken>
  readonly validateJwtSvid: (token: string, audience: string) => Promise<ValidatedJwtSvid>
}

interface CachedJwt {
  readonly svid: JwtSvidToken
  readonly refreshAtMs: number
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** See the module comment. */
export class StaticIdentitySource implements IdentitySource {
  private state: StaticIdentityState
  private readonly listeners = new Set<() => void>()
  private readonly jwtCache = new Map<string, CachedJwt>()

  constructor(
    initial: StaticIdentityState,
    private readonly deps: StaticIdentitySourceDeps,
  ) {
    this.state = sorted(initial)
  }

  /** Replaces the state (partially) and notifies every subscriber. */
  set(next: Partial<StaticIdentityState>): void {
    this.state = sorted({ ...this.state, ...next })
    for (const listener of [...this.listeners]) listener()
  }

  /** The current state. */
  current(): StaticIdentityState {
    return this.state
  }

  /** Number of live subscriptions (streams being served). */
  get subscriberCount(): number {
    return this.listeners.size
  }

  identitiesFor(selectors: ReadonlySet<string>): readonly WorkloadIdentity[] {
    return this.state.identities.filter((identity) => entryMatches(identity.selectors, selectors))
  }

  localBundle(): TrustBundle | undefined {
    return this.state.localBundle
  }

  federatedBundles(trustDomains: readonly string[]): readonly TrustBundle[] {
    const wanted = new Set(trustDomains)
    return this.state.federatedBundles.filter((b) => wanted.has(b.trustDomain))
  }

  subscribe(_selectors: ReadonlySet<string>, listener: () => void): () => void {
    // distinct wrapper so one listener subscribed twice is two subscriptions
    const entry = () => listener()
    this.listeners.add(entry)
    return () => this.listeners.delete(entry)
  }

  async fetchJwtSvid(identity: WorkloadIdentity, audience: readonly string[]): Promise<JwtSvidToken> {
    const key = `${identity.spiffeId}\n${[...new Set(audience)].sort(cmp).join('\n')}`
    const nowMs = this.deps.now()
    const cached = this.jwtCache.get(key)
    if (cached && nowMs < cached.refreshAtMs) return cached.svid
    const svid = await this.deps.mintJwtSvid(identity, audience)
    this.jwtCache.set(key, { svid, refreshAtMs: nowMs + (svid.expiresAtMs - nowMs) / 2 })
    return svid
  }

  validateJwtSvid(token: string, audience: string): Promise<ValidatedJwtSvid> {
    return this.deps.validateJwtSvid(token, audience)
  }
}

function sorted(state: StaticIdentityState): StaticIdentityState {
  const identities = [...state.identities].sort(
    (a, b) => a.createdAtMs - b.createdAtMs || cmp(a.entryId, b.entryId),
  )
  return { ...state, identities }
}
