/** A real server on 127.0.0.1:0 (TLS, SQLite in a temp dir) and a grpc-js client of proto/agent.proto. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  credentials,
  type Client,
  type ClientReadableStream,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js'
import { agentGrpcObject } from '../../../engine/api/agent-proto.js'
import { certificatePem, encodeBundlePem } from '../../../engine/ca/bundle.js'
import { createCsr } from '../../../engine/ca/csr.js'
import { cryptoRandom } from '../../../engine/platform/crypto-random.js'
import { silentLogger } from '../../../engine/platform/logger.js'
import { resolveServerConfig } from '../../../engine/server/config.js'
import { startServer, type RunningServer } from '../../../engine/server/run-server.js'
import { openAdminClientStore, type AdminClientStore } from '../../../engine/store/admin-client-store.js'
import { FakeClock } from '../../support/fake-clock.js'

export const TD = 'example.org'

export interface Harness {
  readonly dir: string
  readonly clock: FakeClock
  readonly server: RunningServer
  readonly admin: AdminClientStore
  readonly address: string
  /** The CA bundle as PEM (what an agent is bootstrapped with). */
  bundlePem(): string
  close(): Promise<void>
}

/** Starts a server; `configYaml` is written to a config file when given. */
export async function startHarness(configYaml?: string): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-server-'))
  // OpenSSL checks certificate validity against the real time, so the fake clock starts there
  const clock = new FakeClock(Date.now())
  let configPath: string | undefined
  if (configYaml !== undefined) {
    configPath = join(dir, 'server.yaml')
    writeFileSync(configPath, configYaml)
  }
  const config = resolveServerConfig(
    {
      dataDir: join(dir, 'data'),
      trustDomain: TD,
      listen: '127.0.0.1:0',
      ...(configPath ? { config: configPath } : {}),
    },
    dir,
  )
  const server = await startServer(config, { clock, random: cryptoRandom, logger: silentLogger() })
  return {
    dir,
    clock,
    server,
    admin: openAdminClientStore(`unix://${server.adminSocket}`),
    address: `127.0.0.1:${server.port}`,
    bundlePem: () => encodeBundlePem(server.ca.bundle()),
    async close() {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** An agent's key, CSR and (after attestation) its SVID as PEM. */
export interface AgentKeys {
  readonly csrDer: Buffer
  readonly keyPem: string
}

export function newAgentKeys(): AgentKeys {
  const { csrDer, privateKeyPkcs8Der } = createCsr(`spiffe://${TD}/spire/agent/csr`)
  const b64 =
    privateKeyPkcs8Der
      .toString('base64')
      .match(/.{1,64}/g)
      ?.join('\n') ?? ''
  return { csrDer, keyPem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n` }
}

type Callback = (err: ServiceError | null, res: unknown) => void
type AgentClient = Client &
  Record<string, (req: unknown, cb: Callback) => void> & {
    SyncAuthorizedEntries(req: unknown): ClientReadableStream<SyncMessage>
  }

/** What a sync stream message looks like on the client (proto-loader, snake_case). */
export interface SyncMessage {
  revision: number
  entries: { id: string; spiffe_id: string; parent_id: string }[]
  bundle: { sequence: number }
}

const SERVER_ID = `spiffe://${TD}/spire/server`

/**
 * A client that checks the server's SVID against `bundlePem` and its SPIFFE ID (not a DNS name);
 * with `cert`, it presents the agent SVID (mTLS).
 */
export function agentClient(h: Harness, cert?: { keyPem: string; chain: Buffer[] }): AgentClient {
  const Ctor = (
    agentGrpcObject() as unknown as {
      sigil: { agent: { v1: { AgentApi: new (...a: unknown[]) => AgentClient } } }
    }
  ).sigil.agent.v1.AgentApi
  const creds = credentials.createSsl(
    Buffer.from(h.bundlePem()),
    cert ? Buffer.from(cert.keyPem) : null,
    cert ? Buffer.from(cert.chain.map(certificatePem).join('')) : null,
    {
      checkServerIdentity: (_host, peer) =>
        peer.subjectaltname?.split(', ').includes(`URI:${SERVER_ID}`)
          ? undefined
          : new Error('not the sigil server'),
    },
  )
  // SNI must not be an IP address (RFC 6066); the server is identified by its SPIFFE ID anyway
  return new Ctor(h.address, creds, { 'grpc.ssl_target_name_override': 'sigil-server' })
}

/** A unary call as a promise. */
export function unary<T>(client: AgentClient, method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method]?.(req, (err, res) => (err ? reject(err) : resolve(res as T))),
  )
}

/** The `sigil-error-code` trailer of a failed call. */
export function engineCode(err: unknown): string | undefined {
  const md = (err as { metadata?: Metadata }).metadata
  return md?.get('sigil-error-code')[0] as string | undefined
}

/** The wire SVID of AttestAgent/RenewAgent. */
export interface WireSvid {
  spiffe_id: string
  cert_chain: Buffer[]
  expires_at_ms: number
}
