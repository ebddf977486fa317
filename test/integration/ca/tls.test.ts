import { createPublicKey, type KeyObject } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { connect, createServer, type PeerCertificate, type TLSSocket } from 'node:tls'
import { describe, expect, it } from 'vitest'
import { certificatePem, encodeBundlePem } from '../../../engine/ca/bundle.js'
import type { CertificateAuthority } from '../../../engine/ca/certificate-authority.js'
import { fixtureKey } from '../../fixtures/ca/key-source.js'
import { makeTestCa, TD } from '../../fixtures/ca/test-ca.js'

const SERVER_ID = `spiffe://${TD}/server`
const CLIENT_ID = `spiffe://${TD}/client`
const HOUR = 3_600_000
const DAY = 24 * HOUR

interface Identity {
  cert: string
  key: string
}

function identity(ca: CertificateAuthority, spiffeId: string, key: KeyObject, ttlMs = HOUR): Identity {
  const spkiDer = createPublicKey(key).export({ format: 'der', type: 'spki' })
  const svid = ca.signWorkloadX509SvidForKey({ spkiDer, spiffeId, ttlMs })
  return {
    cert: svid.certChainDer.map((d) => certificatePem(d)).join(''),
    key: key.export({ format: 'pem', type: 'pkcs8' }) as string,
  }
}

/** The single URI SAN of a peer certificate (Node formats SANs as `URI:..., DNS:...`). */
function spiffeIdOf(cert: PeerCertificate): string | undefined {
  const uris = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4))
  return uris.length === 1 ? uris[0] : undefined
}

interface Outcome {
  client: string
  server: string
}

/** One mutual-TLS exchange; each side authorizes the peer's SPIFFE ID. */
async function handshake(opts: {
  server: Identity
  client: Identity
  serverTrust: string
  clientTrust: string
  expectServerId?: string
}): Promise<Outcome> {
  let serverOutcome = 'none'
  const server = createServer({
    cert: opts.server.cert,
    key: opts.server.key,
    ca: opts.serverTrust,
    requestCert: true,
    // authorization is decided below so the test sees OpenSSL's verdict (same effect as rejectUnauthorized)
    rejectUnauthorized: false,
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    if (!socket.authorized) {
      serverOutcome = `rejected:${String(socket.authorizationError)}`
      socket.destroy()
      return
    }
    const id = spiffeIdOf(socket.getPeerCertificate())
    serverOutcome = id === CLIENT_ID ? 'ok' : `unauthorized:${id}`
    socket.end(serverOutcome)
  })
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
    serverOutcome = `error:${err.code ?? err.message}`
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const client = await new Promise<string>((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      cert: opts.client.cert,
      key: opts.client.key,
      ca: opts.clientTrust,
      servername: 'localhost',
      checkServerIdentity: (_host, cert) => {
        const id = spiffeIdOf(cert)
        return id === (opts.expectServerId ?? SERVER_ID) ? undefined : new Error(`unexpected server id ${id}`)
      },
    })
    let data = ''
    socket.on('data', (d: Buffer) => (data += d.toString()))
    socket.on('end', () => resolve(`ok:${data}`))
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error:${err.code ?? err.message}`))
  })
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return { client, server: serverOutcome }
}

describe('node:tls mutual handshake with minted SVIDs', () => {
  it('succeeds with two SVIDs from the same CA and checks SPIFFE IDs', async () => {
    const { ca } = await makeTestCa({ startMs: Date.now() })
    const bundle = encodeBundlePem(ca.bundle())
    const r = await handshake({
      server: identity(ca, SERVER_ID, fixtureKey('ec-p256', 1)),
      client: identity(ca, CLIENT_ID, fixtureKey('ec-p384', 1)),
      serverTrust: bundle,
      clientTrust: bundle,
    })
    expect(r).toEqual({ client: 'ok:ok', server: 'ok' })
    const wrongId = await handshake({
      server: identity(ca, SERVER_ID, fixtureKey('ec-p256', 1)),
      client: identity(ca, CLIENT_ID, fixtureKey('ec-p256', 2)),
      serverTrust: bundle,
      clientTrust: bundle,
      expectServerId: `spiffe://${TD}/someone-else`,
    })
    expect(wrongId.client).toMatch(/^error:/)
  })

  it('fails when the client SVID comes from a foreign CA', async () => {
    const { ca } = await makeTestCa({ startMs: Date.now() })
    const foreign = await makeTestCa({ startMs: Date.now(), keyOffset: 6 })
    const bundle = encodeBundlePem(ca.bundle())
    const r = await handshake({
      server: identity(ca, SERVER_ID, fixtureKey('ec-p256', 1)),
      client: identity(foreign.ca, CLIENT_ID, fixtureKey('ec-p256', 2)),
      serverTrust: bundle,
      clientTrust: bundle,
    })
    expect(r.server).toMatch(/^rejected:(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/)
    expect(r.client).not.toBe('ok:ok')
  })

  it('fails when the server SVID comes from a foreign CA', async () => {
    const { ca } = await makeTestCa({ startMs: Date.now() })
    const foreign = await makeTestCa({ startMs: Date.now(), keyOffset: 6 })
    const r = await handshake({
      server: identity(foreign.ca, SERVER_ID, fixtureKey('ec-p256', 1)),
      client: identity(ca, CLIENT_ID, fixtureKey('ec-p256', 2)),
      serverTrust: encodeBundlePem(ca.bundle()),
      clientTrust: encodeBundlePem(ca.bundle()),
    })
    expect(r.client).toMatch(
      /^error:(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
    )
  })

  it('fails with an expired SVID', async () => {
    // a long-lived CA started two days ago; the client SVID (1 h) expired long before now
    const { ca, clock } = await makeTestCa({ startMs: Date.now() - 2 * DAY, caTtlMs: 30 * DAY })
    const expiredClient = identity(ca, CLIENT_ID, fixtureKey('ec-p256', 2))
    clock.set(Date.now())
    const bundle = encodeBundlePem(ca.bundle())
    const r = await handshake({
      server: identity(ca, SERVER_ID, fixtureKey('ec-p256', 1)),
      client: expiredClient,
      serverTrust: bundle,
      clientTrust: bundle,
    })
    expect(r.server).toBe('rejected:CERT_HAS_EXPIRED')
    expect(r.client).not.toBe('ok:ok')
    const expiredServer = await handshake({
      server: expiredClient,
      client: identity(ca, CLIENT_ID, fixtureKey('ec-p256', 3)),
      serverTrust: bundle,
      clientTrust: bundle,
    })
    expect(expiredServer.client).toBe('error:CERT_HAS_EXPIRED')
  })
})
