/**
 * `x509-mint`: X509-SVIDs per second on one core through the CA facade (fast DER path + self-check),
 * against bare `crypto.sign` of a leaf-sized payload with the same CA key, measured in the same run.
 * Extra figures: minting from a PKCS#10 CSR (adds CSR parse, key import and signature verification).
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto'
import { createCertificateAuthority } from '../../engine/ca/certificate-authority.js'
import { createCsr } from '../../engine/ca/csr.js'
import { createMemoryJournalStore } from '../../engine/ca/journal.js'
import { createMemoryKeyManager } from '../../engine/ca/key-manager.js'
import { keyTypeInfo, type KeyType } from '../../engine/ca/key-type.js'
import { cryptoRandom } from '../../engine/platform/crypto-random.js'
import { systemClock } from '../../engine/platform/system-clock.js'
import { forEachMintKeyType, interleaved } from '../cpu-rate.js'
import { result, type BenchResult } from '../harness.js'

const ID = 'spiffe://example.org/ns/prod/sa/web'
async function measure(keyType: KeyType): Promise<BenchResult> {
  const keys = createMemoryKeyManager()
  const ca = await createCertificateAuthority({
    keys,
    journal: createMemoryJournalStore(),
    clock: systemClock,
    random: cryptoRandom,
    trustDomain: 'example.org',
    keyType,
  })
  await ca.rotate()
  const caKey = await keys.fetchKey('x509-CA-A')
  if (!caKey) throw new Error('no CA key')
  const workload = createCsr(ID, 'ec-p256')
  const workloadKey = createPrivateKey({ key: workload.privateKeyPkcs8Der, format: 'der', type: 'pkcs8' })
  const spkiDer = createPublicKey(workloadKey).export({ format: 'der', type: 'spki' })
  const params = { spkiDer, spiffeId: ID, dnsNames: ['web.prod.svc'], ttlMs: 3_600_000 }
  const tbsSized = ca.signWorkloadX509SvidForKey(params).certChainDer[0]?.subarray(4, 420) as Buffer
  const hash = keyTypeInfo(keyType).hash
  const [bare, mint] = await interleaved([
    () => sign(hash, tbsSized, caKey.privateKey),
    () => ca.signWorkloadX509SvidForKey(params),
  ])
  // measured apart: key import per CSR churns the heap and would tax the rounds that follow it
  const [csr] = await interleaved([() => ca.signWorkloadX509Svid({ ...params, csrDer: workload.csrDer })])
  return result(`x509-mint`, mint as number, 'svids/cpu-s', bare as number, {
    caKeyType: keyType,
    baselineName: `crypto.sign ${keyType} (same run)`,
    target: 0.5,
    fromCsrPerSecond: Math.round(csr as number),
    fromCsrRatio: Math.round(((csr as number) / (bare as number)) * 1000) / 1000,
  })
}

export default function x509Mint(): Promise<BenchResult[]> {
  return forEachMintKeyType(measure)
}
