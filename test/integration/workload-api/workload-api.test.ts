// Conformance of the Workload API (spiffe-reference §5) over a real Unix socket with a real grpc-js client.
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { join } from 'node:path'
import { status } from '@grpc/grpc-js'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { StaticIdentitySource } from '../../../agent/svid/static-identity-source.js'
import { createUnixAttestor } from '../../../agent/workload-attestors/unix.js'
import { systemUnixHooks } from '../../../agent/workload-attestors/system-hooks.js'
import { WorkloadApiClient, type X509SvidMessage } from '../../../agent/workload-api/client.js'
import { splitDer } from '../../../agent/workload-api/der.js'
import { startWorkloadApi, type WorkloadApiServer } from '../../../agent/workload-api/server.js'
import { FakeClock } from '../../support/fake-clock.js'
import {
  certDer,
  EXAMPLE_BUNDLE,
  fixtureSource,
  identity,
  OTHER_BUNDLE,
  signJwtSvid,
} from '../../fixtures/workload/fixtures.js'
import { codeOf, StreamRecorder, worldTempDir } from './support.js'

const ME = `unix:uid:${process.getuid!()}`
const STREAMS = ['FetchX509SVID', 'FetchX509Bundles', 'FetchJWTBundles'] as const

const clock = new FakeClock()
const counters = { minted: 0 }
let source: StaticIdentitySource
let server: WorkloadApiServer
let client: WorkloadApiClient
let temp: ReturnType<typeof worldTempDir>

const initialState = () => ({
  identities: [identity('entry-a', 'workload-a', [ME], { hint: 'a', federatesWith: ['other.org'] })],
  localBundle: EXAMPLE_BUNDLE,
  federatedBundles: [OTHER_BUNDLE],
})

beforeAll(async () => {
  temp = worldTempDir('sigil-wl-')
  source = fixtureSource(initialState(), () => clock.now(), counters)
  server = await startWorkloadApi({
    socketPath: join(temp.dir, 'api.sock'),
    source,
    attestors: [createUnixAttestor(systemUnixHooks, { discoverWorkloadPath: false })],
  })
  client = new WorkloadApiClient(`unix:${server.socketPath}`)
})

afterAll(async () => {
  client.close()
  await server.close()
  temp.remove()
})

beforeEach(() => source.set(initialState()))

afterEach(() => expect(source.subscriberCount).toBe(0))

function watch(method: (typeof STREAMS)[number], c = client): { recorder: StreamRecorder; stop: () => void } {
  const recorder = new StreamRecorder()
  const stop = c.watch(method, recorder.onMessage, recorder.onEnd)
  return { recorder, stop }
}

/** Waits until the server has dropped the stream's subscription (after a client cancel). */
async function settled(): Promise<void> {
  await expect.poll(() => source.subscriberCount).toBe(0)
}

describe('security header', () => {
  it('rejects every RPC without workload.spiffe.io: true with INVALID_ARGUMENT', async () => {
    const bare = new WorkloadApiClient(`unix:${server.socketPath}`, { securityHeader: false })
    try {
      for (const method of [...STREAMS, 'FetchWITSVID', 'FetchWITBundles'] as const) {
        const recorder = new StreamRecorder()
        bare.watch(method, recorder.onMessage, recorder.onEnd)
        expect(await recorder.waitForEnd(), method).toBe(status.INVALID_ARGUMENT)
      }
      expect(await codeOf(bare.fetchJwtSvid(['aud']))).toBe(status.INVALID_ARGUMENT)
      expect(await codeOf(bare.validateJwtSvid('aud', 'x.y.z'))).toBe(status.INVALID_ARGUMENT)
    } finally {
      bare.close()
    }
  })
})

describe('FetchX509SVID', () => {
  it('sends the caller its SVID at once: DER chain leaf first, PKCS#8 key, bundle, federated bundles', async () => {
    const message = await client.fetchX509Svid()
    await settled()
    expect(message.svids).toHaveLength(1)
    const svid = message.svids[0]!
    expect(svid.spiffe_id).toBe('spiffe://example.org/workload-a')
    expect(svid.hint).toBe('a')
    const chain = splitDer(svid.x509_svid)
    expect(chain[0]!.equals(certDer('workload-a.pem'))).toBe(true)
    const leaf = new X509Certificate(chain[0]!)
    expect(leaf.subjectAltName).toBe('URI:spiffe://example.org/workload-a')
    const key = createPrivateKey({ key: svid.x509_svid_key, format: 'der', type: 'pkcs8' })
    expect(
      createPublicKey(key)
        .export({ format: 'der', type: 'spki' })
        .equals(leaf.publicKey.export({ format: 'der', type: 'spki' })),
    ).toBe(true)
    expect(svid.bundle.equals(certDer('example-ca.pem'))).toBe(true)
    expect(Object.keys(message.federated_bundles)).toEqual(['spiffe://other.org'])
    expect(message.federated_bundles['spiffe://other.org']!.equals(certDer('other-ca.pem'))).toBe(true)
  })

  it('puts the oldest entry first and drops a later SVID that repeats a hint', async () => {
    source.set({
      identities: [
        identity('entry-b', 'workload-b', [ME], { hint: 'same', createdAtMs: 2 }),
        identity('entry-a', 'workload-a', [ME], { hint: 'same', createdAtMs: 1 }),
        identity('entry-c', 'workload-a2', [ME], { createdAtMs: 3 }),
      ],
    })
    const message = await client.fetchX509Svid()
    await settled()
    expect(message.svids.map((s) => s.spiffe_id)).toEqual([
      'spiffe://example.org/workload-a',
      'spiffe://example.org/workload-a',
    ])
    expect(message.svids.map((s) => s.hint)).toEqual(['same', ''])
  })

  it('streams a full new state on rotation, skips unrelated changes, and ends with PERMISSION_DENIED', async () => {
    const { recorder } = watch('FetchX509SVID')
    const first = (await recorder.waitForMessages(1)) as X509SvidMessage
    expect(splitDer(first.svids[0]!.x509_svid)[0]!.equals(certDer('workload-a.pem'))).toBe(true)

    // an entry for someone else changes nothing this caller sees: no message
    source.set({
      identities: [...initialState().identities, identity('other', 'workload-b', ['unix:uid:4242'])],
    })
    // rotation: the next message carries the new certificate
    source.set({
      identities: [identity('entry-a', 'workload-a2', [ME], { hint: 'a', federatesWith: ['other.org'] })],
    })
    const second = (await recorder.waitForMessages(2)) as X509SvidMessage
    expect(splitDer(second.svids[0]!.x509_svid)[0]!.equals(certDer('workload-a2.pem'))).toBe(true)

    // a new entry for the caller: full state with both SVIDs
    source.set({
      identities: [
        identity('entry-a', 'workload-a2', [ME], { hint: 'a', federatesWith: ['other.org'] }),
        identity('entry-b', 'workload-b', [ME], { createdAtMs: 1 }),
      ],
    })
    const third = (await recorder.waitForMessages(3)) as X509SvidMessage
    expect(third.svids.map((s) => s.spiffe_id)).toEqual([
      'spiffe://example.org/workload-a',
      'spiffe://example.org/workload-b',
    ])

    // federated bundle removed: cleared in the next full state
    source.set({ federatedBundles: [] })
    const fourth = (await recorder.waitForMessages(4)) as X509SvidMessage
    expect(fourth.federated_bundles).toEqual({})

    source.set({ identities: [] })
    expect(await recorder.waitForEnd()).toBe(status.PERMISSION_DENIED)
    expect(recorder.messages).toHaveLength(4)
  })

  it('answers PERMISSION_DENIED to a caller with no identity', async () => {
    source.set({ identities: [identity('x', 'workload-b', ['unix:uid:4242'])] })
    expect(await codeOf(client.fetchX509Svid())).toBe(status.PERMISSION_DENIED)
  })
})

describe('bundles', () => {
  it('FetchX509Bundles maps spiffe://td to concatenated DER roots, own and federated', async () => {
    const message = await client.fetchX509Bundles()
    await settled()
    expect(Object.keys(message.bundles).sort()).toEqual(['spiffe://example.org', 'spiffe://other.org'])
    expect(message.bundles['spiffe://example.org']!.equals(certDer('example-ca.pem'))).toBe(true)
  })

  it('FetchJWTBundles sends JWKS with kid and public members only, and updates on key rotation', async () => {
    const { recorder, stop } = watch('FetchJWTBundles')
    const first = (await recorder.waitForMessages(1)) as { bundles: Record<string, Buffer> }
    expect(Object.keys(first.bundles).sort()).toEqual(['spiffe://example.org', 'spiffe://other.org'])
    const jwks = JSON.parse(first.bundles['spiffe://example.org']!.toString('utf8')) as { keys: object[] }
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kid: 'example-kid-1', kty: 'EC', crv: 'P-256' })
    expect(jwks.keys[0]).not.toHaveProperty('d')

    const rotated = { keyId: 'example-kid-2', publicKeyJwk: OTHER_BUNDLE.jwtAuthorities[0]!.publicKeyJwk }
    source.set({
      localBundle: { ...EXAMPLE_BUNDLE, jwtAuthorities: [...EXAMPLE_BUNDLE.jwtAuthorities, rotated] },
    })
    const second = (await recorder.waitForMessages(2)) as { bundles: Record<string, Buffer> }
    const kids = (
      JSON.parse(second.bundles['spiffe://example.org']!.toString()) as { keys: { kid: string }[] }
    ).keys
    expect(kids.map((k) => k.kid)).toEqual(['example-kid-1', 'example-kid-2'])
    stop()
    await settled()
  })

  it('bundle streams answer PERMISSION_DENIED without an identity and end when it goes', async () => {
    const { recorder } = watch('FetchX509Bundles')
    await recorder.waitForMessages(1)
    source.set({ identities: [] })
    expect(await recorder.waitForEnd()).toBe(status.PERMISSION_DENIED)
    expect(await codeOf(client.fetchJwtBundles())).toBe(status.PERMISSION_DENIED)
  })
})

describe('FetchJWTSVID', () => {
  it('requires an audience and a well-formed spiffe_id', async () => {
    expect(await codeOf(client.fetchJwtSvid([]))).toBe(status.INVALID_ARGUMENT)
    expect(await codeOf(client.fetchJwtSvid(['aud'], 'not-an-id'))).toBe(status.INVALID_ARGUMENT)
  })

  it('returns a JWT-SVID for the audience, from the cache on the second call', async () => {
    const before = counters.minted
    const reply = await client.fetchJwtSvid(['service-b'])
    expect(reply.svids.map((s) => [s.spiffe_id, s.hint])).toEqual([['spiffe://example.org/workload-a', 'a']])
    const payload = JSON.parse(Buffer.from(reply.svids[0]!.svid.split('.')[1]!, 'base64url').toString()) as {
      aud: string[]
      sub: string
    }
    expect(payload).toMatchObject({ sub: 'spiffe://example.org/workload-a', aud: ['service-b'] })
    const again = await client.fetchJwtSvid(['service-b'])
    expect(again.svids[0]!.svid).toBe(reply.svids[0]!.svid)
    expect(counters.minted - before).toBe(1)
  })

  it('answers PERMISSION_DENIED for an ID the caller does not have, or with no identity', async () => {
    expect(await codeOf(client.fetchJwtSvid(['aud'], 'spiffe://example.org/workload-b'))).toBe(
      status.PERMISSION_DENIED,
    )
    source.set({ identities: [] })
    expect(await codeOf(client.fetchJwtSvid(['aud']))).toBe(status.PERMISSION_DENIED)
  })
})

describe('ValidateJWTSVID', () => {
  it('returns the SPIFFE ID and claims of a valid token', async () => {
    const { svids } = await client.fetchJwtSvid(['service-b'])
    const result = await client.validateJwtSvid('service-b', svids[0]!.svid)
    expect(result.spiffeId).toBe('spiffe://example.org/workload-a')
    expect(result.claims).toMatchObject({ sub: 'spiffe://example.org/workload-a', aud: ['service-b'] })
    expect(typeof result.claims['exp']).toBe('number')
  })

  it('answers INVALID_ARGUMENT for missing fields, a wrong audience or a bad token', async () => {
    const { svids } = await client.fetchJwtSvid(['service-b'])
    expect(await codeOf(client.validateJwtSvid('', svids[0]!.svid))).toBe(status.INVALID_ARGUMENT)
    expect(await codeOf(client.validateJwtSvid('service-b', ''))).toBe(status.INVALID_ARGUMENT)
    expect(await codeOf(client.validateJwtSvid('service-c', svids[0]!.svid))).toBe(status.INVALID_ARGUMENT)
    expect(await codeOf(client.validateJwtSvid('service-b', 'a.b.c'))).toBe(status.INVALID_ARGUMENT)
  })

  it('keeps only sub, aud and exp of a federated token', async () => {
    const { token } = await signJwtSvid('spiffe://other.org/peer', ['me'], clock.now(), 60_000, { team: 'x' })
    const result = await client.validateJwtSvid('me', token)
    expect(result.spiffeId).toBe('spiffe://other.org/peer')
    expect(Object.keys(result.claims).sort()).toEqual(['aud', 'exp', 'sub'])
  })
})

describe('WIT-SVID profile', () => {
  it('answers UNIMPLEMENTED', async () => {
    for (const method of ['FetchWITSVID', 'FetchWITBundles'] as const) {
      const recorder = new StreamRecorder()
      client.watch(method, recorder.onMessage, recorder.onEnd)
      expect(await recorder.waitForEnd()).toBe(status.UNIMPLEMENTED)
    }
  })
})

describe('clients that reopen streams often', () => {
  it('get a graceful GOAWAY after many cancelled streams: open streams go on, new ones reconnect', async () => {
    const dir = worldTempDir('sigil-wl-goaway-')
    const api = await startWorkloadApi({
      socketPath: join(dir.dir, 'api.sock'),
      source,
      attestors: [createUnixAttestor(systemUnixHooks, { discoverWorkloadPath: false })],
      maxCancelledStreamsPerConnection: 20,
    })
    const c = new WorkloadApiClient(`unix:${api.socketPath}`)
    try {
      const recorder = new StreamRecorder()
      const stop = c.watch('FetchX509SVID', recorder.onMessage, recorder.onEnd)
      await recorder.waitForMessages(1)
      for (let i = 0; i < 50; i++) await c.fetchX509Svid()
      await c.fetchJwtSvid(['still-served'])
      // the watcher's first connection stays open for it; the one reopened after 20 more cancels is the other
      await expect.poll(() => api.connections).toBe(2)
      source.set({ identities: [identity('entry-a', 'workload-a2', [ME], { hint: 'a' })] })
      await recorder.waitForMessages(2)
      expect(recorder.status).toBe('open')
      stop()
      await settled()
    } finally {
      c.close()
      await api.close()
      dir.remove()
    }
  })
})
