/**
 * Node attestation: reuse the agent SVID kept in the data dir while it is valid, otherwise attest
 * against the server (join token or Kubernetes PSAT + a CSR for a key made here) and persist the
 * result. Join tokens work once, so an agent whose SVID expired needs a new token.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto'
import type { ServiceError } from '@grpc/grpc-js'
import { readCertificate } from '../../engine/ca/certificate-der.js'
import type { CsrAndKey } from '../../engine/ca/csr.js'
import { verifyX509Svid } from '../../engine/ca/verify-x509-svid.js'
import type { Clock } from '../../engine/core/clock.js'
import { EngineError, isEngineError } from '../../engine/core/errors.js'
import { serverSpiffeId } from '../../engine/core/spiffe-id.js'
import { decodeBundle } from '../sync/wire.js'
import {
  agentSvid,
  loadAgentRecord,
  saveAgentRecord,
  type AgentRecord,
  type AttestationMethod,
} from './agent-store.js'
import {
  AgentApiClient,
  probeServerChain,
  serverCertificateProblem,
  serverErrorCode,
} from './server-client.js'

/** How to reach and trust the server, and what to attest with. */
export interface AttestOptions {
  /** `host:port`. */
  readonly serverAddress: string
  readonly trustDomain: string
  readonly dataDir: string
  readonly joinToken?: string
  /** Reads the current projected service account token (k8s_psat). */
  readonly k8sPsat?: { readonly cluster: string; readonly readToken: () => string }
  /** PEM roots to verify the server with before the agent has a bundle of its own. */
  readonly trustBundlePem?: string
  /** Trust the first connection (no --trust-bundle). */
  readonly insecureBootstrap: boolean
}

/** Log methods used here (pino fits). */
export interface AttestLogger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
}

export interface AttestDeps {
  readonly clock: Clock
  readonly logger: AttestLogger
  readonly createCsr: (spiffeId: string) => CsrAndKey
}

function attestFailed(message: string, reason: string, cause?: unknown): EngineError {
  return new EngineError('ERR_ATTEST_FAILED', message, { cause, data: { reason } })
}

const pem = (ders: readonly Buffer[]) =>
  ders
    .map(
      (d) =>
        `-----BEGIN CERTIFICATE-----\n${d
          .toString('base64')
          .match(/.{1,64}/g)
          ?.join('\n')}\n-----END CERTIFICATE-----\n`,
    )
    .join('')

/** Why a stored record cannot be used at `nowMs`, or undefined when it can. */
export async function recordProblem(
  record: AgentRecord,
  trustDomain: string,
  nowMs: number,
): Promise<string | undefined> {
  if (record.trustDomain !== trustDomain) return 'trust-domain-changed'
  if (nowMs >= record.svid.notAfterMs) return 'expired'
  try {
    await verifyX509Svid(
      record.svid.certChainDer,
      (td) => (td === trustDomain ? record.bundleDer.map((certDer) => ({ certDer })) : undefined),
      nowMs,
    )
  } catch (err) {
    return `unverifiable (${String((err as EngineError).data?.['reason'] ?? 'error')})`
  }
  const spki = createPublicKey(privateKeyObject(record.svid.privateKeyPkcs8Der)).export({
    format: 'der',
    type: 'spki',
  })
  if (!readCertificate(record.svid.certChainDer[0] as Buffer).spkiDer.equals(spki)) return 'key-mismatch'
  return undefined
}

function privateKeyObject(der: Buffer) {
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
}

/** The method this agent can attest with, if any. */
export function attestationMethod(options: AttestOptions): AttestationMethod | undefined {
  if (options.joinToken !== undefined && options.joinToken !== '') return 'join_token'
  if (options.k8sPsat) return 'k8s_psat'
  return undefined
}

/**
 * The agent's identity: the stored one when still usable, else a fresh attestation (persisted).
 * Throws ERR_ATTEST_FAILED / ERR_ATTEST_TOKEN_INVALID / ERR_ATTEST_BANNED with an actionable message.
 */
export async function obtainAgentIdentity(options: AttestOptions, deps: AttestDeps): Promise<AgentRecord> {
  const stored = loadAgentRecord(options.dataDir)
  if (stored) {
    const problem = await recordProblem(stored, options.trustDomain, deps.clock.now())
    if (problem === undefined) {
      deps.logger.info(
        { spiffeId: stored.svid.spiffeId, notAfterMs: stored.svid.notAfterMs },
        'reusing the stored agent svid',
      )
      return stored
    }
    deps.logger.warn(
      { spiffeId: stored.svid.spiffeId, problem },
      'stored agent svid cannot be used; attesting again',
    )
  }
  const roots =
    options.trustBundlePem ??
    (stored?.trustDomain === options.trustDomain ? pem(stored.bundleDer) : undefined)
  return attestAgent(options, roots, deps)
}

/** Attests against the server now; `roots` undefined means insecure bootstrap (if allowed). */
export async function attestAgent(
  options: AttestOptions,
  roots: string | undefined,
  deps: AttestDeps,
): Promise<AgentRecord> {
  const method = attestationMethod(options)
  if (!method) {
    throw attestFailed(
      'the agent has no usable svid and nothing to attest with: create a join token with ' +
        '`sigil token create --agent-name NAME` and start the agent with --join-token TOKEN (or use --k8s-token-file)',
      'no-credentials',
    )
  }
  if (roots === undefined && !options.insecureBootstrap) {
    throw attestFailed(
      'cannot verify the server: pass --trust-bundle FILE (or --insecure-bootstrap)',
      'no-trust-bundle',
    )
  }
  const probed =
    roots === undefined
      ? await probeServerChain(options.serverAddress).catch((err: unknown) => {
          throw attestFailed(`cannot reach the server at ${options.serverAddress}`, 'unreachable', err)
        })
      : undefined
  const { csrDer, privateKeyPkcs8Der } = deps.createCsr(`spiffe://${options.trustDomain}/spire/agent/pending`)
  const client = new AgentApiClient({
    address: options.serverAddress,
    trustDomain: options.trustDomain,
    rootsPem: roots,
  })
  let response
  try {
    response = await client.attestAgent({
      csrDer,
      ...(method === 'join_token'
        ? { joinToken: options.joinToken as string }
        : {
            k8sPsat: { cluster: options.k8sPsat?.cluster ?? '', token: options.k8sPsat?.readToken() ?? '' },
          }),
    })
  } catch (err) {
    throw attestationError(err, options.serverAddress)
  } finally {
    client.close()
  }
  const bundle = decodeBundle(response.bundle)
  const authorities = bundle.x509AuthoritiesDer.map((certDer) => ({ certDer }))
  const bundles = (td: string) => (td === options.trustDomain ? authorities : undefined)
  const nowMs = deps.clock.now()
  if (probed) {
    // insecure bootstrap: the first server must at least hold an SVID from the bundle it hands out
    const problem = serverCertificateProblem(
      probed[0] ?? Buffer.alloc(0),
      serverSpiffeId(options.trustDomain),
    )
    if (problem)
      throw attestFailed(`the server's certificate is not its x509-svid (${problem})`, 'server-certificate')
    await verifyX509Svid(probed, bundles, nowMs).catch((err: unknown) => {
      throw attestFailed(
        'the server certificate does not chain to the bundle it sent',
        'server-certificate',
        err,
      )
    })
  }
  await verifyX509Svid(response.svid.cert_chain, bundles, nowMs).catch((err: unknown) => {
    throw attestFailed('the agent svid from the server does not verify against its bundle', 'bad-svid', err)
  })
  const record: AgentRecord = {
    trustDomain: options.trustDomain,
    attestation: method,
    svid: agentSvid(response.svid.spiffe_id, response.svid.cert_chain, privateKeyPkcs8Der),
    bundleDer: bundle.x509AuthoritiesDer,
  }
  await saveAgentRecord(options.dataDir, record)
  deps.logger.info(
    { spiffeId: record.svid.spiffeId, method, notAfterMs: record.svid.notAfterMs },
    'agent attested',
  )
  return record
}

function attestationError(err: unknown, address: string): EngineError {
  if (isEngineError(err)) return err
  const code = serverErrorCode(err)
  const grpc = err as ServiceError
  if (code === 'ERR_ATTEST_TOKEN_INVALID') {
    return new EngineError(
      'ERR_ATTEST_TOKEN_INVALID',
      'the join token is unknown, expired or already used (a join token works once): create a new one with ' +
        '`sigil token create --agent-name NAME` and restart the agent with --join-token',
      { cause: err, data: { reason: 'token' } },
    )
  }
  if (code === 'ERR_ATTEST_BANNED') {
    return new EngineError(
      'ERR_ATTEST_BANNED',
      'this agent is banned on the server (`sigil agent unban ID`)',
      {
        cause: err,
        data: { reason: 'banned' },
      },
    )
  }
  return attestFailed(
    `attestation against ${address} failed: ${grpc.details ?? grpc.message}`,
    code ?? 'rpc',
    err,
  )
}
