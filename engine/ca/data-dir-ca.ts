/** Opens the CA kept in a data directory (`keys/`, `ca/journal.json`), as the CLI commands and a single-node server do. */
import { join } from 'node:path'
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import type { Random } from '../core/random.js'
import { parseTrustDomain } from '../core/spiffe-id.js'
import {
  createCertificateAuthority,
  type CertificateAuthority,
  type CertificateAuthorityDeps,
} from './certificate-authority.js'
import { createDiskKeyManager } from './disk-key-manager.js'
import { createDiskJournalStore } from './journal.js'
import type { KeySource } from './key-manager.js'

/** Paths inside a data directory. */
export function caPaths(dataDir: string): { keysDir: string; journalFile: string } {
  return { keysDir: join(dataDir, 'keys'), journalFile: join(dataDir, 'ca', 'journal.json') }
}

/**
 * The CA of `dataDir`, rotated once (so it exists and is current). The trust domain is remembered in
 * the journal: needed the first time, and must match afterwards.
 */
export async function openDataDirCa(params: {
  dataDir: string
  trustDomain?: string
  clock: Clock
  random: Random
  keySource?: KeySource
  options?: Partial<
    Pick<CertificateAuthorityDeps, 'caTtlMs' | 'keyType' | 'jwtKeyType' | 'upstream' | 'jwtIssuer'>
  >
}): Promise<CertificateAuthority> {
  const paths = caPaths(params.dataDir)
  const journal = createDiskJournalStore(paths.journalFile)
  const remembered = (await journal.load())?.trustDomain
  const trustDomain = params.trustDomain ?? remembered
  if (trustDomain === undefined) {
    throw new EngineError(
      'ERR_CA_NOT_READY',
      'no ca in this data dir yet: pass --trust-domain the first time',
      {
        data: { reason: 'trust-domain-required' },
      },
    )
  }
  if (!parseTrustDomain(trustDomain).ok) {
    throw new EngineError('ERR_CA_INVALID_REQUEST', `invalid trust domain "${trustDomain}"`, {
      data: { reason: 'trust-domain' },
    })
  }
  const ca = await createCertificateAuthority({
    ...params.options,
    trustDomain,
    keys: createDiskKeyManager(paths.keysDir, params.keySource),
    journal,
    clock: params.clock,
    random: params.random,
  })
  await ca.rotate()
  return ca
}
