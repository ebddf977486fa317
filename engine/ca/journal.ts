/**
 * The CA journal: slots, published bundle and audit trail, persisted after every change so a
 * restart resumes where the CA was (SPIRE's journal). Plain JSON data; keys stay in the KeyManager.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { EngineError } from '../core/errors.js'
import { writeFileAtomic } from './atomic-file.js'
import type { KeyType } from './key-type.js'
import type { Slot, SlotStatus } from './slots.js'

/** One X.509 CA in a slot. */
export interface X509SlotRecord {
  readonly slot: Slot
  readonly status: SlotStatus
  readonly keyId: string
  readonly keyType: KeyType
  /** base64 DER of the CA certificate. */
  readonly certDer: string
  readonly serialHex: string
  readonly issuedAtMs: number
  readonly notBeforeMs: number
  readonly notAfterMs: number
}

/** One JWT signing key in a slot. */
export interface JwtSlotRecord {
  readonly slot: Slot
  readonly status: SlotStatus
  readonly keyId: string
  readonly keyType: KeyType
  readonly kid: string
  /** base64 DER SPKI. */
  readonly publicKeySpkiDer: string
  readonly issuedAtMs: number
  readonly notAfterMs: number
}

/** A published authority, kept until everything it signed has expired. */
export interface PublishedX509Authority {
  readonly certDer: string
  readonly notAfterMs: number
}

/** A published JWT key. */
export interface PublishedJwtAuthority {
  readonly kid: string
  readonly publicKeySpkiDer: string
  readonly notAfterMs: number
}

/** One audited CA operation. */
export interface CaAuditRecord {
  readonly atMs: number
  readonly action: 'prepare' | 'activate' | 'prune' | 'key-missing'
  readonly authority: 'x509' | 'jwt'
  /** `rotator` for scheduled steps, else who asked (e.g. `cli:<user>`). */
  readonly actor: string
  readonly slot?: Slot
  /** Serial (X.509) or kid (JWT) concerned. */
  readonly id?: string
}

/** The persisted state of a CA. */
export interface CaJournal {
  readonly version: 1
  readonly trustDomain: string
  readonly x509: readonly X509SlotRecord[]
  readonly jwt: readonly JwtSlotRecord[]
  readonly bundle: {
    readonly sequence: number
    readonly x509Authorities: readonly PublishedX509Authority[]
    readonly jwtAuthorities: readonly PublishedJwtAuthority[]
  }
  /** Most recent last; capped. */
  readonly audit: readonly CaAuditRecord[]
}

/** Where the journal is kept. */
export interface JournalStore {
  load(): Promise<CaJournal | undefined>
  save(journal: CaJournal): Promise<void>
}

/** An in-memory journal store (tests, or a server that keeps it in its own store). */
export function createMemoryJournalStore(initial?: CaJournal): JournalStore {
  let text = initial ? JSON.stringify(initial) : undefined
  return {
    load: async () => (text === undefined ? undefined : (JSON.parse(text) as CaJournal)),
    async save(journal) {
      text = JSON.stringify(journal)
    },
  }
}

function corrupt(path: string, cause?: unknown): EngineError {
  return new EngineError('ERR_CA_NOT_READY', 'ca journal is corrupt', {
    cause,
    data: { reason: 'journal-corrupt', path },
  })
}

/** A journal kept as JSON at `path` (0600, replaced atomically). */
export function createDiskJournalStore(path: string): JournalStore {
  return {
    async load() {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw corrupt(path, err)
      }
      let doc: unknown
      try {
        doc = JSON.parse(text)
      } catch (err) {
        throw corrupt(path, err)
      }
      const j = doc as Partial<CaJournal>
      if (
        j?.version !== 1 ||
        typeof j.trustDomain !== 'string' ||
        !Array.isArray(j.x509) ||
        !Array.isArray(j.jwt)
      )
        throw corrupt(path)
      return j as CaJournal
    },
    async save(journal) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 })
      await writeFileAtomic(path, JSON.stringify(journal, null, 2) + '\n', 0o600)
    },
  }
}
