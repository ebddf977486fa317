import { createServer, type Server } from 'node:http'
import { status } from '@grpc/grpc-js'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  agentClient,
  engineCode,
  newAgentKeys,
  startHarness,
  unary,
  TD,
  type Harness,
  type WireSvid,
} from './harness.js'

let h: Harness
let jwks: Server
let signingKey: CryptoKey
const ISSUER = 'https://kubernetes.default.svc.cluster.local'

beforeAll(async () => {
  const pair = await generateKeyPair('RS256')
  signingKey = pair.privateKey
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
  const port = (jwks.address() as { port: number }).port
  h = await startHarness(`
rateLimit: { attestationPerSecond: 1, attestationBurst: 3, signingPerSecond: 1, signingBurst: 2 }
nodeAttestors:
  k8sPsat:
    clusters:
      prod:
        serviceAccountAllowList: ["spire:spire-agent"]
        issuer: ${ISSUER}
        jwksUrl: http://127.0.0.1:${port}/openid/v1/jwks
`)
})
afterAll(async () => {
  await h?.close()
  await new Promise((resolve) => jwks?.close(resolve))
})

function psat(serviceAccount = 'spire-agent', nowMs = h.clock.now()): Promise<string> {
  return new SignJWT({
    'kubernetes.io': {
      namespace: 'spire',
      serviceaccount: { name: serviceAccount, uid: 'sa-uid' },
      pod: { name: 'spire-agent-x', uid: 'pod-uid-1' },
      node: { name: 'node-1', uid: 'node-uid-1' },
    },
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setSubject(`system:serviceaccount:spire:${serviceAccount}`)
    .setAudience('sigil-server')
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(Math.floor(nowMs / 1000) + 600)
    .sign(signingKey)
}

describe('k8s_psat attestation and rate limits', () => {
  let svid: WireSvid
  const keys = newAgentKeys()

  it('attests a projected service-account token against the cluster JWKS', async () => {
    const res = await unary<{ svid: WireSvid }>(agentClient(h), 'AttestAgent', {
      k8s_psat: { cluster: 'prod', token: await psat() },
      csr: keys.csrDer,
    })
    svid = res.svid
    expect(svid.spiffe_id).toBe(`spiffe://${TD}/spire/agent/k8s_psat/prod/node-uid-1`)
    const node = (await h.admin.listAgents()).find((a) => a.agentId === svid.spiffe_id)
    expect(node?.selectors).toEqual(
      expect.arrayContaining([
        'k8s_psat:cluster:prod',
        'k8s_psat:agent_sa:spire-agent',
        'k8s_psat:agent_node_uid:node-uid-1',
      ]),
    )
  })

  it('refuses a service account outside the allow list and an unknown cluster', async () => {
    const denied = await unary(agentClient(h), 'AttestAgent', {
      k8s_psat: { cluster: 'prod', token: await psat('default') },
      csr: newAgentKeys().csrDer,
    }).catch((e: unknown) => e)
    expect(denied).toMatchObject({ code: status.PERMISSION_DENIED })
    expect(engineCode(denied)).toBe('ERR_ATTEST_FAILED')
    const unknown = await unary(agentClient(h), 'AttestAgent', {
      k8s_psat: { cluster: 'staging', token: await psat() },
      csr: newAgentKeys().csrDer,
    }).catch((e: unknown) => e)
    expect(unknown).toMatchObject({ code: status.INVALID_ARGUMENT })
  })

  it('limits attestations per client IP with RESOURCE_EXHAUSTED', async () => {
    // the burst of 3 was spent by the three attestations above; the clock has not moved
    const limited = await unary(agentClient(h), 'AttestAgent', {
      k8s_psat: { cluster: 'prod', token: await psat() },
      csr: newAgentKeys().csrDer,
    }).catch((e: unknown) => e)
    expect(limited).toMatchObject({ code: status.RESOURCE_EXHAUSTED })
    h.clock.advance(1000)
    const again = await unary<{ svid: WireSvid }>(agentClient(h), 'AttestAgent', {
      k8s_psat: { cluster: 'prod', token: await psat() },
      csr: keys.csrDer,
    })
    svid = again.svid
  })

  it('limits SVID signing per agent with RESOURCE_EXHAUSTED', async () => {
    const mtls = agentClient(h, { keyPem: keys.keyPem, chain: svid.cert_chain })
    await unary(mtls, 'RenewAgent', { csr: keys.csrDer })
    await unary(mtls, 'RenewAgent', { csr: keys.csrDer })
    const limited = await unary(mtls, 'RenewAgent', { csr: keys.csrDer }).catch((e: unknown) => e)
    expect(limited).toMatchObject({ code: status.RESOURCE_EXHAUSTED })
    expect(engineCode(limited)).toBe('ERR_API_RATE_LIMITED')
  })
})
