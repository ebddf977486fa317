/**
 * `jwt-mint`: JWT-SVIDs per second on one core through the CA facade (cached header, one
 * JSON.stringify, `crypto.sign` with `ieee-p1363`), against bare `crypto.sign` of a token-sized
 * payload with the same key in the same run, in operations per CPU-second of the process. Extra
 * figure: jose `SignJWT`, one at a time (its WebCrypto work runs on the thread pool, counted too).
 */
import { sign } from 'node:crypto'
import { SignJWT } from 'jose'
import { createCertificateAuthority } from '../../engine/ca/certificate-authority.js'
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
  const key = await keys.fetchKey('JWT-Signer-A')
  if (!key) throw new Error('no JWT key')
  const info = keyTypeInfo(keyType)
  const params = { spiffeId: ID, audience: ['api.example.org'], ttlMs: 300_000 }
  const token = ca.signJwtSvid(params).token
  const signingInput = Buffer.from(token.slice(0, token.lastIndexOf('.')))
  const signOptions =
    info.family === 'ec' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' as const } : key.privateKey
  const [bare, mint, jose] = await interleaved([
    () => sign(info.hash, signingInput, signOptions),
    () => ca.signJwtSvid(params),
    () =>
      new SignJWT({ aud: params.audience })
        .setProtectedHeader({ alg: info.jwtAlg, kid: 'k', typ: 'JWT' })
        .setSubject(ID)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key.privateKey),
  ])
  return result('jwt-mint', mint as number, 'svids/cpu-s', bare as number, {
    keyType,
    alg: info.jwtAlg,
    baselineName: `crypto.sign ${info.jwtAlg} (same run)`,
    target: 0.45,
    joseSignJwtPerSecond: Math.round(jose as number),
    joseRatio: Math.round(((jose as number) / (bare as number)) * 1000) / 1000,
  })
}

export default function jwtMint(): Promise<BenchResult[]> {
  return forEachMintKeyType(measure)
}
