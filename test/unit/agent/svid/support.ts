/** A test CA behind the rotator's minter interface, and a cache fed with sync messages. */
import { createCsr } from '../../../../engine/ca/csr.js'
import type { CertificateAuthority } from '../../../../engine/ca/certificate-authority.js'
import { HOUR_MS } from '../../../../engine/core/clock.js'
import { svidFingerprint, type CachedEntry, type SyncState } from '../../../../agent/svid/cache.js'
import { SvidRotator, type MintX509Request, type MintX509Result } from '../../../../agent/svid/rotator.js'
import { SvidCache } from '../../../../agent/svid/svid-cache.js'
import type { FakeClock } from '../../../support/fake-clock.js'
import { seededRandom } from '../../../support/seeded-random.js'

export const silentLogger = { info: () => {}, warn: () => {}, debug: () => {}, error: () => {} }

export function entry(id: string, over: Partial<CachedEntry> = {}): CachedEntry {
  return {
    id,
    spiffeId: `spiffe://example.org/${id}`,
    parentId: 'spiffe://example.org/spire/agent/join_token/host',
    selectors: ['unix:uid:1001'],
    x509SvidTtlSeconds: 3600,
    jwtSvidTtlSeconds: 300,
    dnsNames: [],
    federatesWith: [],
    hint: '',
    revisionNumber: 1,
    ...over,
  }
}

export function syncOf(ca: CertificateAuthority, entries: CachedEntry[], revision = 1): SyncState {
  const b = ca.bundle()
  return {
    revision,
    entries,
    bundle: {
      trustDomain: b.trustDomain,
      x509AuthoritiesDer: b.x509Authorities.map((a) => a.certDer),
      jwtAuthorities: b.jwtAuthorities.map((a) => ({
        kid: a.kid,
        publicKeySpkiDer: a.publicKeySpkiDer,
        expiresAtMs: 0,
      })),
      sequence: b.sequence,
    },
    federatedBundles: [],
  }
}

/** A minter over the test CA; `down` makes every call fail, `denied` lists refused entry IDs. */
export class CaMinter {
  calls = 0
  down = false
  denied = new Set<string>()
  constructor(
    private readonly ca: CertificateAuthority,
    private readonly cache: SvidCache,
  ) {}

  async mintX509Svids(requests: readonly MintX509Request[]): Promise<readonly MintX509Result[]> {
    this.calls++
    if (this.down) throw Object.assign(new Error('server unavailable'), { code: 14 })
    return requests.map((r): MintX509Result => {
      const e = this.cache.state.entries.get(r.entryId)
      if (!e || this.denied.has(r.entryId))
        return { entryId: r.entryId, ok: false, code: 7, message: 'denied' }
      const svid = this.ca.signWorkloadX509Svid({
        csrDer: r.csrDer,
        spiffeId: e.spiffeId,
        dnsNames: e.dnsNames,
        ttlMs: e.x509SvidTtlSeconds * 1000 || HOUR_MS,
      })
      return { entryId: r.entryId, ok: true, certChainDer: svid.certChainDer }
    })
  }
}

/** A cache, a minter and a rotator on `clock`. */
export function rotatorFixture(ca: CertificateAuthority, clock: FakeClock) {
  const cache = new SvidCache({ clock, mintJwtSvid: () => Promise.reject(new Error('not used')) })
  const minter = new CaMinter(ca, cache)
  const rotator = new SvidRotator({
    cache,
    minter,
    clock,
    random: seededRandom(3),
    createCsr: (id) => createCsr(id),
    logger: silentLogger,
  })
  return { cache, minter, rotator }
}

export { svidFingerprint }
