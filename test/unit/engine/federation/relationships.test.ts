/** Pure federation rules: poll timing, which bundle a relationship delivers, endpoint authorities, views. */
import { describe, expect, it } from 'vitest'
import { encodeBundleJson, encodeBundlePem, type TrustBundle } from '../../../../engine/ca/bundle.js'
import {
  bundleDigest,
  deliveredBundles,
  endpointAuthorities,
  refreshIntervalMs,
  relationshipViews,
  retryDelayMs,
} from '../../../../engine/federation/relationships.js'
import type { LiveFederationBundle } from '../../../../engine/plan/types.js'
import { makeTestCa } from '../../../fixtures/ca/test-ca.js'

const timing = { minRefreshMs: 60_000, defaultRefreshMs: 300_000 }
const partner = (await makeTestCa({ trustDomain: 'partner.example' })).ca.bundle()
const local = (await makeTestCa({ trustDomain: 'example.org', keyOffset: 3 })).ca.bundle()
const fetched: TrustBundle = { ...partner, sequence: partner.sequence + 7 }

const rel = (o: Partial<LiveFederationBundle> = {}): LiveFederationBundle => ({
  name: 'partner',
  trustDomain: 'partner.example',
  endpointUrl: 'https://partner.example:8443/',
  endpointProfile: 'https_spiffe',
  endpointSpiffeId: 'spiffe://partner.example/spire/server',
  bundle: encodeBundleJson(partner),
  ...o,
})

describe('poll timing', () => {
  it('honours the refresh hint above the floor, and a day at most', () => {
    expect(refreshIntervalMs({ ...partner, refreshHintSeconds: 600 }, timing)).toBe(600_000)
    expect(refreshIntervalMs({ ...partner, refreshHintSeconds: 5 }, timing)).toBe(60_000)
    expect(refreshIntervalMs({ ...partner, refreshHintSeconds: 10 ** 9 }, timing)).toBe(86_400_000)
    expect(refreshIntervalMs({ ...partner, refreshHintSeconds: undefined }, timing)).toBe(300_000)
    expect(refreshIntervalMs(undefined, timing)).toBe(300_000)
  })

  it('retries at a quarter of the interval, doubling up to the interval', () => {
    expect([1, 2, 3, 4, 30].map((n) => retryDelayMs(n, 300_000))).toEqual([
      75_000, 150_000, 300_000, 300_000, 300_000,
    ])
    expect(retryDelayMs(1, 2000)).toBe(1000)
  })
})

describe('delivered bundles', () => {
  it('prefers the fetched bundle for an endpoint, the pin otherwise, nothing for unknown relationships', () => {
    const fetchedMap = new Map([
      ['partner.example', fetched],
      ['gone.example', fetched],
    ])
    expect(deliveredBundles([rel()], fetchedMap).get('partner.example')?.sequence).toBe(fetched.sequence)
    expect(deliveredBundles([rel()], new Map()).get('partner.example')?.sequence).toBe(partner.sequence)
    // no endpoint: the pin is all there is, even if something was fetched before
    expect(deliveredBundles([rel({ endpointUrl: '' })], fetchedMap).get('partner.example')?.sequence).toBe(
      partner.sequence,
    )
    expect(deliveredBundles([rel()], fetchedMap).has('gone.example')).toBe(false)
    expect(deliveredBundles([rel({ bundle: '' })], new Map()).size).toBe(0)
    expect(deliveredBundles([rel({ bundle: 'not a bundle' })], new Map()).size).toBe(0)
    const pem = deliveredBundles([rel({ bundle: encodeBundlePem(partner) })], new Map()).get(
      'partner.example',
    )
    expect(pem?.x509Authorities).toHaveLength(1)
  })

  it('authenticates endpoints with the local bundle or the delivered bundle of their trust domain', () => {
    const delivered = new Map([['partner.example', fetched]])
    expect(endpointAuthorities(rel(), local, delivered)).toBe(fetched.x509Authorities)
    expect(
      endpointAuthorities(rel({ endpointSpiffeId: 'spiffe://example.org/spire/server' }), local, delivered),
    ).toBe(local.x509Authorities)
    expect(
      endpointAuthorities(rel({ endpointSpiffeId: 'spiffe://third.example/x' }), local, delivered),
    ).toEqual([])
    expect(endpointAuthorities(rel({ endpointSpiffeId: 'nonsense' }), local, delivered)).toEqual([])
  })

  it('digests content, not the refresh hint', () => {
    expect(bundleDigest({ ...partner, refreshHintSeconds: 5 })).toBe(bundleDigest(partner))
    expect(bundleDigest(fetched)).not.toBe(bundleDigest(partner))
  })
})

describe('relationship views', () => {
  it('joins Git relationships with fetch state, sorted by trust domain', () => {
    const views = relationshipViews(
      [rel(), rel({ name: 'aaa', trustDomain: 'aaa.example', endpointUrl: '', bundle: '' })],
      [
        {
          trustDomain: 'partner.example',
          endpointUrl: 'https://partner.example:8443/',
          bundleJson: encodeBundleJson(fetched),
          sequence: fetched.sequence,
          digest: bundleDigest(fetched),
          changedAtMs: 10,
          lastAttemptAtMs: 30,
          lastSuccessAtMs: 20,
          lastError: 'http 503',
          consecutiveFailures: 1,
          nextAttemptAtMs: 40,
        },
      ],
      new Map([['partner.example', 2]]),
    )
    expect(views.map((v) => [v.trustDomain, v.delivering, v.sequence, v.versions])).toEqual([
      ['aaa.example', 'none', null, 0],
      ['partner.example', 'fetched', fetched.sequence, 2],
    ])
    expect(views[1]).toMatchObject({
      pinned: true,
      lastError: 'http 503',
      consecutiveFailures: 1,
      x509Authorities: 1,
    })
  })
})
