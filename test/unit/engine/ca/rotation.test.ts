import { createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { readCertificate } from '../../../../engine/ca/certificate-der.js'
import type { MintedJwtSvid, MintedX509Svid } from '../../../../engine/ca/certificate-authority.js'
import { validateJwtSvid } from '../../../../engine/ca/validate-jwt-svid.js'
import { verifyX509Svid } from '../../../../engine/ca/verify-x509-svid.js'
import { fixtureKey } from '../../../fixtures/ca/key-source.js'
import { makeTestCa, opensslVerify, TD } from '../../../fixtures/ca/test-ca.js'

const MIN = 60_000
const HOUR = 60 * MIN
const ID = `spiffe://${TD}/web`

describe('rotation over simulated days (fake clock)', () => {
  it('never leaves a moment when a valid SVID fails to verify against the current bundle', async () => {
    const { ca, clock } = await makeTestCa()
    const start = clock.now()
    const spkiDer = createPublicKey(fixtureKey('ec-p256', 15)).export({ format: 'der', type: 'spki' })
    const x509s: MintedX509Svid[] = []
    const jwts: MintedJwtSvid[] = []
    const publishedAt = new Map<string, number>()
    const firstSignedAt = new Map<string, number>()
    let lastSequence = ca.bundle().sequence
    let lastBundleJson = ''
    let activations = 0
    let opensslChecks = 0
    for (let now = start; now <= start + 4 * 24 * HOUR; now += 10 * MIN) {
      clock.set(now)
      const done = await ca.rotate()
      const bundle = ca.bundle()
      const json = JSON.stringify(
        bundle.x509Authorities
          .map((a) => a.certDer.toString('hex'))
          .concat(bundle.jwtAuthorities.map((a) => a.kid)),
      )
      expect(bundle.sequence).toBeGreaterThanOrEqual(lastSequence)
      if (json !== lastBundleJson)
        expect(bundle.sequence === lastSequence && lastBundleJson !== '').toBe(false)
      lastSequence = bundle.sequence
      lastBundleJson = json
      for (const a of bundle.x509Authorities) {
        const issuer = readCertificate(a.certDer).subjectDer.toString('hex')
        if (!publishedAt.has(issuer)) publishedAt.set(issuer, now)
      }
      if ((now - start) % HOUR === 0) {
        const svid = ca.signWorkloadX509SvidForKey({ spkiDer, spiffeId: ID, ttlMs: 4 * HOUR })
        const issuer = readCertificate(svid.certChainDer[0] as Buffer).issuerDer.toString('hex')
        if (!firstSignedAt.has(issuer)) firstSignedAt.set(issuer, now)
        x509s.push(svid)
        jwts.push(ca.signJwtSvid({ spiffeId: ID, audience: ['api'], ttlMs: 4 * HOUR }))
      }
      while (x509s.length && (x509s[0] as MintedX509Svid).notAfterMs < now) x509s.shift()
      while (jwts.length && (jwts[0] as MintedJwtSvid).expiresAtMs < now) jwts.shift()
      for (const svid of x509s) {
        const verified = await verifyX509Svid(svid.certChainDer, () => bundle.x509Authorities, now)
        expect(verified.spiffeId).toBe(ID)
      }
      for (const jwt of jwts) {
        const validated = await validateJwtSvid(jwt.token, {
          audience: 'api',
          bundles: () => bundle.jwtAuthorities,
          nowMs: now,
          leewayMs: 0,
        })
        expect(validated.spiffeId).toBe(ID)
      }
      if (done.some((r) => r.action === 'activate' && r.authority === 'x509')) {
        activations++
        // right after a swap: SVIDs of the old and the new CA both pass OpenSSL against the bundle
        if (activations <= 3 && x509s.length > 0) {
          const roots = bundle.x509Authorities.map((a) => a.certDer)
          for (const svid of [x509s[0], x509s.at(-1)] as MintedX509Svid[]) {
            expect(opensslVerify(svid.certChainDer, roots, now).code).toBe(0)
            opensslChecks++
          }
        }
      }
      // at most: the expired-in-grace CA, the active one, the prepared one
      expect(bundle.x509Authorities.length).toBeLessThanOrEqual(3)
    }
    expect(activations).toBeGreaterThanOrEqual(4)
    expect(opensslChecks).toBeGreaterThan(0)
    // every CA was in the bundle at least ~8 h (20 h − 12 h) before it signed anything
    for (const [issuer, signedAt] of firstSignedAt) {
      if (signedAt === start) continue
      expect(signedAt - (publishedAt.get(issuer) as number)).toBeGreaterThanOrEqual(8 * HOUR - 10 * MIN)
    }
  })
})
