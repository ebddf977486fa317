/**
 * The CA facade the server calls: rotation ticks over A/B slots, X509-SVID and JWT-SVID minting,
 * and the trust bundle. State lives in the journal (persisted on every change) and the key manager.
 */
import { HOUR_MS, SECOND_MS } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import { parseSpiffeId } from '../core/spiffe-id.js'
import { readCertificate, readSubjectKeyId } from './certificate-der.js'
import { checkCaCertificate, checkIssuedX509Svid } from './check.js'
import { verifyCsr } from './csr.js'
import type { CaAuditRecord, JwtSlotRecord, X509SlotRecord } from './journal.js'
import {
  activateSlot,
  emptyJournal,
  findSlot,
  pruneExpired,
  publishJwt,
  publishX509,
  putSlot,
  unpublish,
  withAudit,
} from './journal-ops.js'
import { makeJwtSigner, makeKid, signJwt, type JwtSigner } from './jwt-svid.js'
import type { ManagedKey } from './key-manager.js'
import { DEFAULT_KEY_TYPE, keyTypeInfo } from './key-type.js'
import { createCaCertificate, signLeafCertificate, subjectKeyIdOf } from './sign.js'
import { nextRotationStep, otherSlot, type Slot } from './slots.js'
import { makeLeafIssuerTemplate, type LeafIssuerTemplate } from './template.js'

import type { AuthorityKind, CertificateAuthority, CertificateAuthorityDeps } from './ca-types.js'
import { badRequest, checkX509Request, notReady } from './svid-request.js'

export type * from './ca-types.js'

interface ActiveX509 {
  readonly record: X509SlotRecord
  readonly key: ManagedKey
  readonly template: LeafIssuerTemplate
  readonly issuerNameDer: Buffer
  readonly subjectKeyId: Buffer
  readonly notBeforeMs: number
  readonly notAfterMs: number
  /** Certificates after the leaf: our CA and upstream intermediates (empty when self-signed). */
  readonly chainTail: Buffer[]
}

const NOT_BEFORE_CUSHION_MS = 10 * SECOND_MS
// keep authorities a while after expiry so JWT validation leeway and clock skew never see a gap
const PRUNE_GRACE_MS = HOUR_MS
const KEY_IDS: Record<AuthorityKind, string> = { x509: 'x509-CA', jwt: 'JWT-Signer' }

/**
 * Loads (or starts) the CA of `deps.trustDomain` from its journal and keys. Call `rotate()` once
 * before signing and then periodically; signing before the first authority exists throws `ERR_CA_NOT_READY`.
 * @example
 * const ca = await createCertificateAuthority({ keys, journal, clock, random, trustDomain: 'example.org' })
 * await ca.rotate()
 * const svid = ca.signWorkloadX509Svid({ csrDer, spiffeId: 'spiffe://example.org/web', ttlMs: 3_600_000 })
 */
export async function createCertificateAuthority(
  deps: CertificateAuthorityDeps,
): Promise<CertificateAuthority> {
  const { trustDomain, clock, random } = deps
  const caTtlMs = deps.caTtlMs ?? 24 * HOUR_MS
  const keyType = deps.keyType ?? DEFAULT_KEY_TYPE
  const jwtKeyType = deps.jwtKeyType ?? keyType
  if (!(caTtlMs > 60 * SECOND_MS)) throw new TypeError('caTtlMs must exceed one minute')
  let journal = (await deps.journal.load()) ?? emptyJournal(trustDomain)
  if (journal.trustDomain !== trustDomain) {
    throw new EngineError('ERR_CA_NOT_READY', 'journal belongs to another trust domain', {
      data: { reason: 'trust-domain-mismatch', journal: journal.trustDomain, requested: trustDomain },
    })
  }
  let x509: ActiveX509 | undefined
  let jwt: JwtSigner | undefined
  let dirty = false
  // one CSPRNG call per 64 serials: per-call overhead of small random reads shows on the leaf hot path
  let serialPool: Uint8Array = new Uint8Array(0)
  let serialAt = 0
  const takeSerial = (): Uint8Array => {
    if (serialAt + 16 > serialPool.length) {
      serialPool = random.bytes(16 * 64)
      serialAt = 0
    }
    serialAt += 16
    return serialPool.subarray(serialAt - 16, serialAt)
  }

  const audit = (record: Omit<CaAuditRecord, 'atMs'>): CaAuditRecord => {
    const full = { atMs: clock.now(), ...record }
    journal = withAudit(journal, full)
    dirty = true
    deps.onAudit?.(full)
    return full
  }

  const loadX509 = async (record: X509SlotRecord): Promise<ActiveX509 | undefined> => {
    const key = await deps.keys.fetchKey(record.keyId)
    if (!key) return undefined
    const certDer = Buffer.from(record.certDer, 'base64')
    const cert = readCertificate(certDer)
    const subjectKeyId = readSubjectKeyId(cert) ?? subjectKeyIdOf(cert.spkiDer)
    const template = makeLeafIssuerTemplate({
      issuerNameDer: cert.subjectDer,
      issuerSubjectKeyId: subjectKeyId,
      signatureAlgorithmDer: keyTypeInfo(key.type).signatureAlgorithmDer,
      ...(deps.leafSubject ? { subjectMode: deps.leafSubject } : {}),
    })
    const up = deps.upstream
    const chainTail = up
      ? [certDer, ...up.certChainDer.filter((c) => !up.rootsDer.some((r) => r.equals(c)))]
      : []
    return {
      record,
      key,
      template,
      issuerNameDer: Buffer.from(cert.subjectDer),
      subjectKeyId: Buffer.from(subjectKeyId),
      notBeforeMs: cert.notBeforeMs,
      notAfterMs: cert.notAfterMs,
      chainTail,
    }
  }

  const loadJwt = async (record: JwtSlotRecord): Promise<JwtSigner | undefined> => {
    const key = await deps.keys.fetchKey(record.keyId)
    if (!key) return undefined
    return makeJwtSigner({
      kid: record.kid,
      keyType: key.type,
      privateKey: key.privateKey,
      notAfterMs: record.notAfterMs,
    })
  }

  const loadActive = async () => {
    for (const kind of ['x509', 'jwt'] as const) {
      const active = findSlot<X509SlotRecord | JwtSlotRecord>(journal[kind], 'active')
      if (!active) continue
      const loaded =
        kind === 'x509' ? await loadX509(active as X509SlotRecord) : await loadJwt(active as JwtSlotRecord)
      if (loaded === undefined) {
        // the key is gone (wiped keys/ directory): forget the slot so the rotator prepares a new authority
        journal = { ...journal, [kind]: journal[kind].filter((r) => r !== active) }
        audit({ action: 'key-missing', authority: kind, actor: 'loader', slot: active.slot })
      } else if (kind === 'x509') x509 = loaded as ActiveX509
      else jwt = loaded as JwtSigner
    }
  }

  const prepareX509 = async (actor: string): Promise<CaAuditRecord> => {
    const now = clock.now()
    const current = findSlot(journal.x509, 'active')
    const slot: Slot = current ? otherSlot(current.slot) : 'A'
    const replaced = journal.x509.find((r) => r.slot === slot && r.status === 'prepared')
    const key = await deps.keys.generateKey(`${KEY_IDS.x509}-${slot}`, keyType)
    const serial = random.bytes(16)
    serial[0] = (serial[0] as number) & 0x7f || 1
    const up = deps.upstream
    const upNotAfter = up ? readCertificate(up.certChainDer[0] as Buffer).notAfterMs : Infinity
    const notBeforeMs = Math.floor((now - NOT_BEFORE_CUSHION_MS) / 1000) * 1000
    const notAfterMs = Math.floor(Math.min(now + caTtlMs, upNotAfter) / 1000) * 1000
    const certDer = await createCaCertificate({
      trustDomain,
      key,
      serial,
      notBeforeMs,
      notAfterMs,
      ...(up
        ? {
            upstream: {
              certDer: up.certChainDer[0] as Buffer,
              privateKey: up.privateKey,
              keyType: up.keyType,
            },
          }
        : {}),
    })
    checkCaCertificate(certDer, trustDomain)
    const record: X509SlotRecord = {
      slot,
      status: 'prepared',
      keyId: key.id,
      keyType,
      certDer: certDer.toString('base64'),
      serialHex: Buffer.from(serial).toString('hex'),
      issuedAtMs: now,
      notBeforeMs,
      notAfterMs,
    }
    if (replaced)
      journal = unpublish(
        journal,
        (a) => a.certDer === replaced.certDer,
        () => false,
      )
    journal = { ...journal, x509: putSlot(journal.x509, record) }
    // publish at preparation time so the new trust anchor propagates before it signs anything
    journal = up
      ? publishX509(
          journal,
          up.rootsDer.map((r) => ({
            certDer: r.toString('base64'),
            notAfterMs: readCertificate(r).notAfterMs,
          })),
        )
      : publishX509(journal, [{ certDer: record.certDer, notAfterMs }])
    return audit({ action: 'prepare', authority: 'x509', actor, slot, id: record.serialHex })
  }

  const prepareJwt = async (actor: string): Promise<CaAuditRecord> => {
    const now = clock.now()
    const current = findSlot(journal.jwt, 'active')
    const slot: Slot = current ? otherSlot(current.slot) : 'A'
    const replaced = journal.jwt.find((r) => r.slot === slot && r.status === 'prepared')
    const key = await deps.keys.generateKey(`${KEY_IDS.jwt}-${slot}`, jwtKeyType)
    const kid = makeKid((n) => random.bytes(n))
    const record: JwtSlotRecord = {
      slot,
      status: 'prepared',
      keyId: key.id,
      keyType: jwtKeyType,
      kid,
      publicKeySpkiDer: key.spkiDer.toString('base64'),
      issuedAtMs: now,
      notAfterMs: now + caTtlMs,
    }
    if (replaced)
      journal = unpublish(
        journal,
        () => false,
        (a) => a.kid === replaced.kid,
      )
    journal = { ...journal, jwt: putSlot(journal.jwt, record) }
    journal = publishJwt(journal, {
      kid,
      publicKeySpkiDer: record.publicKeySpkiDer,
      notAfterMs: record.notAfterMs,
    })
    return audit({ action: 'prepare', authority: 'jwt', actor, slot, id: kid })
  }

  const activateKind = async (kind: AuthorityKind, actor: string): Promise<CaAuditRecord> => {
    const next = findSlot<X509SlotRecord | JwtSlotRecord>(journal[kind], 'prepared')
    if (!next) throw notReady('nothing-prepared')
    if (kind === 'x509') {
      const loaded = await loadX509(next as X509SlotRecord)
      if (!loaded) throw notReady('prepared-key-missing')
      journal = { ...journal, x509: activateSlot(journal.x509, next.slot) }
      x509 = { ...loaded, record: { ...(next as X509SlotRecord), status: 'active' } }
    } else {
      const loaded = await loadJwt(next as JwtSlotRecord)
      if (!loaded) throw notReady('prepared-key-missing')
      journal = { ...journal, jwt: activateSlot(journal.jwt, next.slot) }
      jwt = loaded
    }
    const id = kind === 'x509' ? (next as X509SlotRecord).serialHex : (next as JwtSlotRecord).kid
    return audit({ action: 'activate', authority: kind, actor, slot: next.slot, id })
  }

  const persist = async () => {
    if (!dirty) return
    await deps.journal.save(journal)
    dirty = false
  }

  await loadActive()
  await persist()

  const ca: CertificateAuthority = {
    trustDomain,
    async rotate() {
      const done: CaAuditRecord[] = []
      for (const kind of ['x509', 'jwt'] as const) {
        for (let i = 0; i < 3; i++) {
          const now = clock.now()
          const records: readonly (X509SlotRecord | JwtSlotRecord)[] = journal[kind]
          const step = nextRotationStep(findSlot(records, 'active'), findSlot(records, 'prepared'), now)
          if (step === 'none') break
          if (step !== 'activate') done.push(await (kind === 'x509' ? prepareX509 : prepareJwt)('rotator'))
          if (step !== 'prepare') done.push(await activateKind(kind, 'rotator'))
        }
      }
      const before = journal.bundle.sequence
      journal = pruneExpired(journal, clock.now(), PRUNE_GRACE_MS)
      if (journal.bundle.sequence !== before) dirty = true
      await persist()
      return done
    },
    async prepare(kind, actor) {
      const record = await (kind === 'x509' ? prepareX509 : prepareJwt)(actor)
      await persist()
      return record
    },
    async activate(kind, actor) {
      const record = await activateKind(kind, actor)
      await persist()
      return record
    },
    signWorkloadX509Svid(params) {
      const csr = verifyCsr(params.csrDer)
      return ca.signWorkloadX509SvidForKey({ ...params, spkiDer: csr.spkiDer })
    },
    signWorkloadX509SvidForKey(params) {
      const active = x509
      if (!active) throw notReady('no-x509-authority')
      const now = clock.now()
      if (now >= active.notAfterMs) throw notReady('x509-authority-expired')
      const dnsNames = params.dnsNames ?? []
      checkX509Request(params.spiffeId, dnsNames, params.ttlMs, trustDomain)
      const serial = takeSerial()
      const notBeforeMs = Math.max(now - NOT_BEFORE_CUSHION_MS, active.notBeforeMs)
      const notAfterMs = Math.min(now + params.ttlMs, active.notAfterMs)
      const fields = {
        serial,
        notBeforeMs,
        notAfterMs,
        spiffeId: params.spiffeId,
        dnsNames,
        spkiDer: params.spkiDer,
        subjectKeyId: subjectKeyIdOf(params.spkiDer),
      }
      const leaf = signLeafCertificate(active.template, fields, {
        privateKey: active.key.privateKey,
        hash: keyTypeInfo(active.key.type).hash,
      })
      const cert = checkIssuedX509Svid(leaf, {
        spiffeId: params.spiffeId,
        trustDomain,
        dnsNames,
        spkiDer: params.spkiDer,
        issuerNameDer: active.issuerNameDer,
        issuerSubjectKeyId: active.subjectKeyId,
        issuerNotBeforeMs: active.notBeforeMs,
        issuerNotAfterMs: active.notAfterMs,
        signatureAlgorithmDer: active.template.signatureAlgorithmDer,
      })
      return {
        certChainDer: [leaf, ...active.chainTail],
        notAfterMs: cert.notAfterMs,
        serial: (cert.serial[0] === 0 ? cert.serial.subarray(1) : cert.serial).toString('hex'),
      }
    },
    signJwtSvid(params) {
      const signer = jwt
      if (!signer) throw notReady('no-jwt-authority')
      const now = clock.now()
      if (now >= signer.notAfterMs) throw notReady('jwt-authority-expired')
      const id = parseSpiffeId(params.spiffeId)
      if (!id.ok || id.value.path === '') throw badRequest('spiffe-id')
      if (id.value.trustDomain !== trustDomain) throw badRequest('trust-domain')
      const aud = params.audience.filter((a) => a !== '')
      if (aud.length === 0) throw badRequest('audience')
      if (!(params.ttlMs > 0)) throw badRequest('ttl')
      const iat = Math.floor(now / 1000)
      const exp = Math.floor(Math.min(now + params.ttlMs, signer.notAfterMs) / 1000)
      const claims = {
        sub: params.spiffeId,
        aud,
        exp,
        iat,
        ...(deps.jwtIssuer ? { iss: deps.jwtIssuer } : {}),
      }
      return {
        token: signJwt(signer, claims),
        kid: signer.kid,
        issuedAtMs: iat * 1000,
        expiresAtMs: exp * 1000,
      }
    },
    bundle() {
      return {
        trustDomain,
        x509Authorities: journal.bundle.x509Authorities.map((a) => ({
          certDer: Buffer.from(a.certDer, 'base64'),
        })),
        jwtAuthorities: journal.bundle.jwtAuthorities.map((a) => ({
          kid: a.kid,
          publicKeySpkiDer: Buffer.from(a.publicKeySpkiDer, 'base64'),
          expiresAtMs: a.notAfterMs,
        })),
        sequence: journal.bundle.sequence,
        refreshHintSeconds: deps.refreshHintSeconds ?? 300,
      }
    },
    journal: () => structuredClone(journal),
  }
  return ca
}
