/**
 * `token`: `POST /oauth2/token` requests per second over loopback (JWT-SVID client assertion
 * verified, every scope decided, access token signed), against a bare echo route on the same
 * node:http server and client in the same run (keep-alive, 16 requests in flight).
 */
import { generateKeyPairSync } from 'node:crypto'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAccessTokenSigner } from '../../engine/authz/access-token.js'
import { createAuthorizer } from '../../engine/authz/authorizer.js'
import { createAuthzHttpHandler } from '../../engine/authz/http-api.js'
import { JWT_BEARER_ASSERTION } from '../../engine/authz/token-endpoint.js'
import { createCertificateAuthority } from '../../engine/ca/certificate-authority.js'
import { createMemoryJournalStore } from '../../engine/ca/journal.js'
import { createMemoryKeyManager } from '../../engine/ca/key-manager.js'
import type { LiveState } from '../../engine/plan/types.js'
import { cryptoRandom } from '../../engine/platform/crypto-random.js'
import { systemClock } from '../../engine/platform/system-clock.js'
import { result, type BenchResult } from '../harness.js'

const TD = 'example.org'
const AUD = 'https://sigil.example.org/oauth2/token'
const IN_FLIGHT = 16
const ROUNDS = 3
const ROUND_MS = 1500

function post(agent: Agent, port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function rate(agent: Agent, port: number, path: string, body: string): Promise<number> {
  let done = 0
  let failed = 0
  const start = performance.now()
  const worker = async () => {
    while (performance.now() - start < ROUND_MS) {
      if ((await post(agent, port, path, body)) === 200) done++
      else failed++
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  if (failed > 0) throw new Error(`${failed} requests to ${path} failed`)
  return (done / (performance.now() - start)) * 1000
}

export default async function token(): Promise<readonly BenchResult[]> {
  const ca = await createCertificateAuthority({
    keys: createMemoryKeyManager(),
    journal: createMemoryJournalStore(),
    clock: systemClock,
    random: cryptoRandom,
    trustDomain: TD,
  })
  await ca.rotate()
  const spiffeId = `spiffe://${TD}/ns/prod/sa/web`
  const live = {
    lineage: 'bench',
    revision: 1,
    trustDomain: TD,
    entries: [{ spiffeId, roles: ['orders-client'] }],
    roles: [{ name: 'orders-client', description: '', scopes: ['read:orders', 'write:orders'] }],
    scopes: [],
    federationBundles: [],
    policies: [],
  } as unknown as LiveState
  const authorizer = await createAuthorizer({
    store: {
      fetchRevision: () => Promise.resolve({ lineage: 'bench', revision: 1 }),
      readLiveState: () => Promise.resolve(live),
    },
    clock: systemClock,
  })
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const handle = createAuthzHttpHandler({
    issuer: 'https://sigil.example.org',
    assertionAudience: AUD,
    authorizeAudience: 'https://sigil.example.org/v1/authorize',
    defaultAudience: TD,
    ttlMs: 300_000,
    bundles: (td) => (td === TD ? ca.bundle().jwtAuthorities : undefined),
    authorizer,
    signer: createAccessTokenSigner({ kid: 'bench', privateKey }),
    clock: systemClock,
    random: cryptoRandom,
  })
  const server = createServer((req, res) => {
    if (handle(req, res)) return
    // the baseline: read the form and echo it back as JSON on the same server
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = JSON.stringify({ echo: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
      res.end(text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER_ASSERTION,
    client_assertion: ca.signJwtSvid({ spiffeId, audience: [AUD], ttlMs: 600_000 }).token,
    scope: 'read:orders write:orders',
  }).toString()
  let tokenRate = 0
  let echoRate = 0
  try {
    for (let r = 0; r < ROUNDS; r++) {
      tokenRate = Math.max(tokenRate, await rate(agent, port, '/oauth2/token', body))
      echoRate = Math.max(echoRate, await rate(agent, port, '/echo', body))
    }
  } finally {
    agent.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return [
    result('token', tokenRate, 'requests/s', echoRate, {
      baselineName: 'node:http echo',
      inFlight: IN_FLIGHT,
      keyType: 'ec-p256',
    }),
  ]
}
