/** Key types the CA and workloads use, and what follows from each (PURE). */
import { derOid, derSequence, TAG, tlv } from './der.js'

/** A key type name as written in config and on the command line. */
export type KeyType = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096'

/** Every key type, default first. */
export const KEY_TYPES: readonly KeyType[] = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096']

/** The default key type for CA, JWT and workload keys. */
export const DEFAULT_KEY_TYPE: KeyType = 'ec-p256'

/** JWS algorithm of JWT-SVIDs signed with a key type (SPIRE: RSA → RS256, P-256 → ES256, P-384 → ES384). */
export type JwtAlg = 'ES256' | 'ES384' | 'RS256'

/** True for a supported key type name. */
export function isKeyType(s: string): s is KeyType {
  return (KEY_TYPES as readonly string[]).includes(s)
}

/** Parameters of a key type: family, curve or modulus, hash, algorithms. */
export interface KeyTypeInfo {
  readonly family: 'ec' | 'rsa'
  readonly namedCurve?: 'P-256' | 'P-384'
  readonly modulusLength?: number
  /** Hash for X.509 signatures and JWS. */
  readonly hash: 'sha256' | 'sha384'
  readonly jwtAlg: JwtAlg
  /** DER AlgorithmIdentifier of X.509 signatures made with this key. */
  readonly signatureAlgorithmDer: Buffer
}

const ECDSA_SHA256 = derSequence(derOid('1.2.840.10045.4.3.2'))
const ECDSA_SHA384 = derSequence(derOid('1.2.840.10045.4.3.3'))
const RSA_SHA256 = derSequence(derOid('1.2.840.113549.1.1.11'), tlv(TAG.null))

const rsa = (modulusLength: number): KeyTypeInfo => ({
  family: 'rsa',
  modulusLength,
  hash: 'sha256',
  jwtAlg: 'RS256',
  signatureAlgorithmDer: RSA_SHA256,
})

const INFO: Record<KeyType, KeyTypeInfo> = {
  'ec-p256': {
    family: 'ec',
    namedCurve: 'P-256',
    hash: 'sha256',
    jwtAlg: 'ES256',
    signatureAlgorithmDer: ECDSA_SHA256,
  },
  'ec-p384': {
    family: 'ec',
    namedCurve: 'P-384',
    hash: 'sha384',
    jwtAlg: 'ES384',
    signatureAlgorithmDer: ECDSA_SHA384,
  },
  'rsa-2048': rsa(2048),
  'rsa-3072': rsa(3072),
  'rsa-4096': rsa(4096),
}

/** Parameters of a key type. */
export function keyTypeInfo(type: KeyType): KeyTypeInfo {
  return INFO[type]
}

/** The key type of a key with these details (from `KeyObject.asymmetricKeyDetails`), if supported. */
export function keyTypeFromDetails(
  family: string | undefined,
  details: { namedCurve?: string; modulusLength?: number } | undefined,
): KeyType | undefined {
  if (family === 'ec') {
    if (details?.namedCurve === 'prime256v1' || details?.namedCurve === 'P-256') return 'ec-p256'
    if (details?.namedCurve === 'secp384r1' || details?.namedCurve === 'P-384') return 'ec-p384'
    return undefined
  }
  if (family === 'rsa') {
    const bits = details?.modulusLength
    if (bits === 2048 || bits === 3072 || bits === 4096) return `rsa-${bits}`
  }
  return undefined
}
