/**
 * Fetching foreign bundles from real HTTPS endpoints on loopback (spiffe-reference §4.2–4.4):
 * https_spiffe authenticates exactly the configured SPIFFE ID against the given authorities,
 * https_web uses Web PKI roots and host names, redirects keep the checks, and every failure has a
 * stable reason.
 */
import { writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeBundleJson, encodeBundlePem } from '../../../engine/ca/bundle.js'
import { isEngineError } from '../../../engine/core/errors.js'
import { startBundleEndpoint, type BundleEndpoint } from '../../../engine/federation/bundle-endpoint.js'
import { fetchBundle, type BundleEndpointTarget } from '../../../engine/federation/fetch-bundle.js'
import { bundleDigest } from '../../../engine/federation/relationships.js'
import { makeTestCa, tmp, type TestCa } from '../../fixtures/ca/test-ca.js'
import { quietLogger, rawHttps, type RawAnswer, spiffeEndpoint, webCertificate } from './endpoints.js'

let partner: TestCa
let stranger: TestCa
let endpoint: BundleEndpoint
const servers: { close(): Promise<void> }[] = []

const target = (overrides: Partial<BundleEndpointTarget> = {}): BundleEndpointTarget => ({
  trustDomain: 'partner.example',
  url: `https://127.0.0.1:${endpoint.port}/`,
  profile: 'https_spiffe',
  endpointSpiffeId: 'spiffe://partner.example/spire/server',
  ...overrides,
})

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    if (isEngineError(err, 'ERR_FEDERATION_FETCH')) return String(err.data['reason'])
    throw err
  }
  throw new Error('the fetch succeeded')
}

function rawStatus(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, rejectUnauthorized: false }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    r.on('error', reject)
    r.end()
  })
}

beforeAll(async () => {
  // real time: https_web is checked by node:tls against the system clock
  partner = await makeTestCa({ trustDomain: 'partner.example', startMs: Date.now() })
  stranger = await makeTestCa({ trustDomain: 'partner.example', startMs: Date.now(), keyOffset: 3 })
  endpoint = await spiffeEndpoint(partner.ca, partner.clock, 120)
  servers.push(endpoint)
})

afterAll(async () => {
  for (const s of servers) await s.close()
})

describe('https_spiffe', () => {
  it("fetches the partner's bundle with its sequence and refresh hint", async () => {
    const fetched = await fetchBundle(target(), {
      nowMs: partner.clock.now(),
      endpointAuthorities: partner.ca.bundle().x509Authorities,
    })
    const expected = partner.ca.bundle()
    expect(fetched.bundle.trustDomain).toBe('partner.example')
    expect(fetched.bundle.sequence).toBe(expected.sequence)
    expect(fetched.bundle.refreshHintSeconds).toBe(120)
    expect(fetched.bundle.x509Authorities.map((a) => a.certDer)).toEqual(
      expected.x509Authorities.map((a) => a.certDer),
    )
    expect(fetched.bundle.jwtAuthorities.map((a) => a.kid)).toEqual(expected.jwtAuthorities.map((a) => a.kid))
    expect(fetched.digest).toBe(bundleDigest(expected))
    expect(JSON.parse(fetched.json)).toMatchObject({
      spiffe_sequence: expected.sequence,
      spiffe_refresh_hint: 120,
    })
  })

  it('refuses an endpoint presenting another SPIFFE ID than configured', async () => {
    const options = { nowMs: partner.clock.now(), endpointAuthorities: partner.ca.bundle().x509Authorities }
    expect(
      await reason(fetchBundle(target({ endpointSpiffeId: 'spiffe://partner.example/other' }), options)),
    ).toBe('endpoint-id-mismatch')
  })

  it('refuses an endpoint whose SVID does not chain to the given authorities, or has expired', async () => {
    expect(
      await reason(
        fetchBundle(target(), {
          nowMs: partner.clock.now(),
          endpointAuthorities: stranger.ca.bundle().x509Authorities,
        }),
      ),
    ).toBe('endpoint-svid')
    const later = partner.clock.now() + 30 * 24 * 3_600_000
    expect(
      await reason(
        fetchBundle(target(), { nowMs: later, endpointAuthorities: partner.ca.bundle().x509Authorities }),
      ),
    ).toBe('endpoint-svid')
  })

  it('needs a bootstrap bundle to authenticate the first fetch', async () => {
    expect(await reason(fetchBundle(target(), { nowMs: partner.clock.now() }))).toBe('no-bootstrap-bundle')
  })

  it('serves GET / only', async () => {
    expect(await rawStatus(endpoint.port, 'GET', '/')).toBe(200)
    expect(await rawStatus(endpoint.port, 'POST', '/')).toBe(405)
    expect(await rawStatus(endpoint.port, 'GET', '/bundle')).toBe(404)
  })
})

describe('https_web', () => {
  let port: number
  let roots: string

  beforeAll(async () => {
    const tls = webCertificate(partner.ca)
    roots = encodeBundlePem(partner.ca.bundle())
    const body = encodeBundleJson({ ...partner.ca.bundle(), refreshHintSeconds: 60 })
    const web = await rawHttps(tls, (path): RawAnswer => {
      if (path === '/') return { status: 200, headers: { 'content-type': 'application/json' }, body }
      if (path === '/moved') return { status: 302, headers: { location: '/' } }
      if (path === '/insecure') return { status: 302, headers: { location: `http://localhost:${port}/` } }
      if (path === '/garbage') return { status: 200, body: '{"keys": "no"}' }
      if (path === '/hang') return 'hang'
      return { status: 500 }
    })
    port = web.port
    servers.push(web)
  })

  const web = (path: string, host = 'localhost') =>
    target({ url: `https://${host}:${port}${path}`, profile: 'https_web', endpointSpiffeId: '' })

  it('fetches over Web PKI with the configured roots, and follows a redirect', async () => {
    const fetched = await fetchBundle(web('/'), { nowMs: Date.now(), webRootsPem: roots })
    expect(fetched.bundle.refreshHintSeconds).toBe(60)
    expect((await fetchBundle(web('/moved'), { nowMs: Date.now(), webRootsPem: roots })).digest).toBe(
      fetched.digest,
    )
  })

  it('refuses unknown roots, a host name the certificate does not name, and a redirect to http', async () => {
    expect(await reason(fetchBundle(web('/'), { nowMs: Date.now() }))).toBe('connect')
    expect(await reason(fetchBundle(web('/', '127.0.0.1'), { nowMs: Date.now(), webRootsPem: roots }))).toBe(
      'connect',
    )
    expect(await reason(fetchBundle(web('/insecure'), { nowMs: Date.now(), webRootsPem: roots }))).toBe(
      'redirect',
    )
  })

  it('reports bad bodies, HTTP errors and silence', async () => {
    const options = { nowMs: Date.now(), webRootsPem: roots }
    expect(await reason(fetchBundle(web('/garbage'), options))).toBe('bundle-invalid')
    expect(await reason(fetchBundle(web('/missing'), options))).toBe('http-status')
    expect(await reason(fetchBundle(web('/hang'), { ...options, timeoutMs: 300 }))).toBe('timeout')
    expect(await reason(fetchBundle(web('/', 'user:pw@localhost'), options))).toBe('config')
  })
})

describe('the https_web bundle endpoint', () => {
  it('serves with the configured certificate and picks up a replaced one', async () => {
    const dir = tmp('sigil-web-endpoint-')
    const files = { certFile: join(dir, 'ep.crt'), keyFile: join(dir, 'ep.key') }
    const write = (tls: { cert: string; key: string }) => {
      writeFileSync(files.certFile, tls.cert)
      writeFileSync(files.keyFile, tls.key)
    }
    write(webCertificate(partner.ca))
    const served = await startBundleEndpoint({
      host: '127.0.0.1',
      port: 0,
      profile: 'https_web',
      bundle: () => partner.ca.bundle(),
      refreshHintSeconds: 300,
      clock: partner.clock,
      logger: quietLogger,
      webCertificate: files,
    })
    servers.push(served)
    const run = new AbortController()
    const running = served.run(run.signal)
    try {
      const webTarget = target({
        url: `https://localhost:${served.port}/`,
        profile: 'https_web',
        endpointSpiffeId: '',
      })
      const partnerRoots = { nowMs: Date.now(), webRootsPem: encodeBundlePem(partner.ca.bundle()) }
      const strangerRoots = { nowMs: Date.now(), webRootsPem: encodeBundlePem(stranger.ca.bundle()) }
      expect((await fetchBundle(webTarget, partnerRoots)).bundle.refreshHintSeconds).toBe(300)
      expect(await reason(fetchBundle(webTarget, strangerRoots))).toBe('connect')

      write(webCertificate(stranger.ca))
      await partner.clock.waitForSleepers(1)
      partner.clock.advance(60_000)
      await expect
        .poll(() =>
          fetchBundle(webTarget, strangerRoots).then(
            () => true,
            () => false,
          ),
        )
        .toBe(true)
      expect(await reason(fetchBundle(webTarget, partnerRoots))).toBe('connect')
    } finally {
      run.abort()
      await running
    }
  })
})
