/**
 * The agent's own identity on disk, in `<data-dir>/agent/` (0700): `svid.pem` (chain, leaf first),
 * `svid.key.pem` (PKCS#8, 0600), `bundle.pem` (the trust domain's X.509 authorities) and
 * `agent.json` (SPIFFE ID, trust domain, how it attested). Every file is replaced atomically.
 */
import { createPrivateKey } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../../engine/ca/atomic-file.js'
import { certificatePem, parseCertificatesPem } from '../../engine/ca/bundle.js'
import { readCertificate } from '../../engine/ca/certificate-der.js'
import { EngineError } from '../../engine/core/errors.js'

/** How the agent attested (decides whether it may re-attest on its own). */
export type AttestationMethod = 'join_token' | 'k8s_psat'

/** The agent's X509-SVID and key. */
export interface AgentSvid {
  readonly spiffeId: string
  /** DER, leaf first. */
  readonly certChainDer: readonly Buffer[]
  readonly privateKeyPkcs8Der: Buffer
  readonly notBeforeMs: number
  readonly notAfterMs: number
}

/** Everything persisted. */
export interface AgentRecord {
  readonly trustDomain: string
  readonly attestation: AttestationMethod
  readonly svid: AgentSvid
  /** DER X.509 authorities of the trust domain. */
  readonly bundleDer: readonly Buffer[]
}

/** An SVID from a chain and its key; validity read from the leaf. */
export function agentSvid(spiffeId: string, certChainDer: readonly Buffer[], keyDer: Buffer): AgentSvid {
  const leaf = readCertificate(certChainDer[0] as Buffer)
  return {
    spiffeId,
    certChainDer,
    privateKeyPkcs8Der: keyDer,
    notBeforeMs: leaf.notBeforeMs,
    notAfterMs: leaf.notAfterMs,
  }
}

/** PEM of a PKCS#8 DER private key. */
export function privateKeyPem(pkcs8Der: Buffer): string {
  return createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' }).export({
    format: 'pem',
    type: 'pkcs8',
  }) as string
}

/** The agent state directory of a data dir. */
export function agentDir(dataDir: string): string {
  return join(dataDir, 'agent')
}

/** Reads the persisted record; undefined when there is none. Throws ERR_ATTEST_FAILED when it is unreadable. */
export function loadAgentRecord(dataDir: string): AgentRecord | undefined {
  const dir = agentDir(dataDir)
  let meta: { trustDomain: string; attestation: AttestationMethod; spiffeId: string }
  try {
    meta = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as typeof meta
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw unreadable(dir, err)
  }
  try {
    const chain = parseCertificatesPem(readFileSync(join(dir, 'svid.pem'), 'utf8'))
    const key = createPrivateKey(readFileSync(join(dir, 'svid.key.pem'), 'utf8')).export({
      format: 'der',
      type: 'pkcs8',
    })
    const bundleDer = parseCertificatesPem(readFileSync(join(dir, 'bundle.pem'), 'utf8'))
    return {
      trustDomain: meta.trustDomain,
      attestation: meta.attestation,
      svid: agentSvid(meta.spiffeId, chain, key),
      bundleDer,
    }
  } catch (err) {
    throw unreadable(dir, err)
  }
}

function unreadable(dir: string, cause: unknown): EngineError {
  return new EngineError('ERR_ATTEST_FAILED', `cannot read the agent state in ${dir}`, {
    cause,
    data: { path: dir, reason: 'unreadable-state' },
  })
}

/** Writes the whole record (key 0600, directory 0700). */
export async function saveAgentRecord(dataDir: string, record: AgentRecord): Promise<void> {
  const dir = agentDir(dataDir)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  await writeFileAtomic(join(dir, 'svid.key.pem'), privateKeyPem(record.svid.privateKeyPkcs8Der), 0o600)
  await writeFileAtomic(join(dir, 'svid.pem'), record.svid.certChainDer.map(certificatePem).join(''), 0o644)
  await saveAgentBundle(dataDir, record.bundleDer)
  const meta = {
    trustDomain: record.trustDomain,
    attestation: record.attestation,
    spiffeId: record.svid.spiffeId,
  }
  await writeFileAtomic(join(dir, 'agent.json'), `${JSON.stringify(meta, null, 2)}\n`, 0o600)
}

/** Replaces only `bundle.pem` (the bundle changed on a sync). */
export async function saveAgentBundle(dataDir: string, bundleDer: readonly Buffer[]): Promise<void> {
  await writeFileAtomic(join(agentDir(dataDir), 'bundle.pem'), bundleDer.map(certificatePem).join(''), 0o644)
}
