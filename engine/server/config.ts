/**
 * `sigil server` configuration: a YAML/JSON file checked against schema/server-config.schema.json,
 * overridden by flags, resolved to absolute paths and milliseconds. Every problem is reported at
 * once as ERR_CONFIG_INVALID with `data.problems`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { parse as parseYaml } from 'yaml'
import type { K8sPsatClusterConfig } from '../api/k8s-psat.js'
import type { KeyType } from '../ca/key-type.js'
import { parseDurationMs } from '../core/duration.js'
import { EngineError } from '../core/errors.js'
import { parseTrustDomain } from '../core/spiffe-id.js'
import {
  resolveFederationConfig,
  type FederationConfig,
  type FederationConfigFile,
} from '../federation/config.js'
import {
  resolveReconcileConfig,
  type ReconcileConfig,
  type ReconcileConfigFile,
  type SourceConfigFile,
} from '../reconcile/config.js'

/** The file's shape (keys are the camelCase of the flags). */
export interface ServerConfigFile {
  /** A PostgreSQL URL: several replicas share it (docs/ha.md). */
  store?: string
  ha?: { caKeyFile?: string; electionRetry?: string }
  trustDomain?: string
  dataDir?: string
  listen?: string
  adminSocket?: string
  logLevel?: string
  caTtl?: string
  caKeyType?: KeyType
  jwtIssuer?: string
  defaultX509SvidTtl?: string
  defaultJwtSvidTtl?: string
  agentSvidTtl?: string
  syncPollInterval?: string
  rateLimit?: {
    attestationPerSecond?: number
    attestationBurst?: number
    signingPerSecond?: number
    signingBurst?: number
  }
  nodeAttestors?: {
    joinToken?: { enabled?: boolean }
    k8sPsat?: { clusters: Record<string, K8sPsatClusterConfig> }
  }
  /** host:port of /healthz, /readyz, /metrics and /hooks/git (docs/reconcile.md). */
  httpListen?: string
  /** The authz API on the HTTP endpoint (docs/authz.md). */
  authz?: {
    issuer?: string
    tokenEndpointAudience?: string
    authorizeAudience?: string
    accessTokenTtl?: string
    /** host:port of the gRPC Authorize API (plaintext); not served when unset. */
    grpcListen?: string
  }
  source?: SourceConfigFile
  reconcile?: ReconcileConfigFile
  /** The bundle endpoint and foreign bundle polling (docs/federation.md). */
  federation?: FederationConfigFile
}

/** The flags of `sigil server` that override the file. */
export interface ServerFlags {
  readonly config?: string
  readonly store?: string
  readonly dataDir?: string
  readonly trustDomain?: string
  readonly listen?: string
  readonly adminSocket?: string
  readonly logLevel?: string
  readonly httpListen?: string
  /** host:port of the SPIFFE bundle endpoint (https_spiffe). */
  readonly bundleEndpoint?: string
}

/** The resolved configuration. */
export interface ServerConfig {
  /** undefined: the SQLite file in the data dir; else a postgres:// URL (replicas, leader election). */
  readonly store?: string
  /** PostgreSQL replicas: the CA key-encryption key file and the election retry interval. */
  readonly ha?: { readonly caKeyFile: string; readonly electionRetryMs: number }
  /** undefined: the one remembered in the data dir's CA journal. */
  readonly trustDomain: string | undefined
  readonly dataDir: string
  readonly listenHost: string
  readonly listenPort: number
  readonly adminSocket: string
  readonly logLevel: string
  readonly caTtlMs: number
  readonly caKeyType?: KeyType
  readonly jwtIssuer?: string
  readonly x509SvidTtlMs: number
  readonly jwtSvidTtlMs: number
  readonly agentSvidTtlMs: number
  readonly syncPollIntervalMs: number
  readonly rateLimit: {
    readonly attestationPerSecond: number
    readonly attestationBurst: number
    readonly signingPerSecond: number
    readonly signingBurst: number
  }
  readonly joinToken: boolean
  readonly k8sPsatClusters: Readonly<Record<string, K8sPsatClusterConfig>>
  /** The health/metrics/webhook endpoint; undefined: not served. */
  readonly httpListen?: { readonly host: string; readonly port: number }
  /** The authz API served on the HTTP endpoint (docs/authz.md). */
  readonly authz?: {
    /** undefined: `https://<httpListen>`. */
    readonly issuer?: string
    readonly tokenEndpointAudience?: string
    readonly authorizeAudience?: string
    readonly accessTokenTtlMs: number
    readonly grpcListen?: { readonly host: string; readonly port: number }
  }
  readonly reconcile: ReconcileConfig
  readonly federation: FederationConfig
}

function configError(problems: string[], data: Record<string, unknown> = {}): EngineError {
  return new EngineError('ERR_CONFIG_INVALID', `invalid server configuration: ${problems.join('; ')}`, {
    data: { ...data, problems },
  })
}

let validator: ReturnType<Ajv['compile']> | undefined

function schemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'schema', 'server-config.schema.json')
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error('schema/server-config.schema.json not found')
    dir = parent
  }
}

/** Checks a parsed document against the schema; returns every problem as `<path> <message>`. */
export function checkServerConfigDocument(doc: unknown): string[] {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(schemaPath(), 'utf8')) as object,
  )
  if (validator(doc)) return []
  return (validator.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params['additionalProperty'])})` : ''
    return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`
  })
}

/** Reads and checks the file at `path`. */
export function readServerConfigFile(path: string): ServerConfigFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw configError([`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`], { path })
  }
  let doc: unknown
  try {
    doc = parseYaml(text) ?? {}
  } catch (err) {
    throw configError([`${path} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`], {
      path,
    })
  }
  const problems = checkServerConfigDocument(doc)
  if (problems.length > 0)
    throw configError(
      problems.map((p) => `${path}: ${p}`),
      { path },
    )
  return doc as ServerConfigFile
}

/** Splits `host:port` (`[v6]:port`, `:port` = all interfaces). */
export function parseListen(listen: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s]*)):([0-9]{1,5})$/.exec(listen)
  if (!m) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port }
}

function authzTtlMs(text: string | undefined, problems: string[]): number {
  if (text === undefined) return 5 * 60_000
  const ms = parseDurationMs(text)
  if (ms === undefined || ms <= 0) problems.push('authz.accessTokenTtl is not a duration')
  return ms ?? 5 * 60_000
}

function authzGrpcListen(
  text: string | undefined,
  problems: string[],
): { grpcListen?: { host: string; port: number } } {
  if (text === undefined) return {}
  const listen = parseListen(text)
  if (!listen) problems.push(`authz.grpcListen "${text}" is not host:port`)
  return listen ? { grpcListen: listen } : {}
}

/** Merges file and flags, applies defaults and resolves paths against `cwd`. */
export function resolveServerConfig(flags: ServerFlags, cwd: string): ServerConfig {
  const file: ServerConfigFile = flags.config ? readServerConfigFile(resolve(cwd, flags.config)) : {}
  const problems: string[] = []
  const pick = <K extends keyof ServerConfigFile & keyof ServerFlags>(key: K) => flags[key] ?? file[key]
  const duration = (key: keyof ServerConfigFile, fallbackMs: number) => {
    const text = file[key] as string | undefined
    if (text === undefined) return fallbackMs
    const ms = parseDurationMs(text)
    if (ms === undefined || ms <= 0) problems.push(`${key} is not a duration`)
    return ms ?? fallbackMs
  }
  const trustDomain = pick('trustDomain')
  if (trustDomain !== undefined && !parseTrustDomain(trustDomain).ok)
    problems.push(`trust domain "${trustDomain}" is invalid`)
  const dataDir = resolve(cwd, pick('dataDir') ?? '.sigil')
  const listen = parseListen(pick('listen') ?? '0.0.0.0:8081')
  if (!listen) problems.push(`listen "${pick('listen')}" is not host:port`)
  const logLevel = pick('logLevel') ?? 'info'
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel))
    problems.push(`log level "${logLevel}" is invalid`)
  const httpText = pick('httpListen')
  const httpListen = httpText === undefined ? undefined : parseListen(httpText)
  if (httpText !== undefined && !httpListen) problems.push(`httpListen "${httpText}" is not host:port`)
  const store = flags.store ?? file.store
  if (store !== undefined && !/^postgres(ql)?:\/\//i.test(store))
    problems.push('store must be a postgres:// url (the default is the SQLite file in the data dir)')
  const caKeyFile = file.ha?.caKeyFile
  if (store !== undefined && caKeyFile === undefined)
    problems.push('ha.caKeyFile is required with a postgres store: it seals the shared ca keys')
  const electionRetryText = file.ha?.electionRetry
  const electionRetryMs = electionRetryText === undefined ? 1000 : parseDurationMs(electionRetryText)
  if (electionRetryMs === undefined || electionRetryMs <= 0)
    problems.push('ha.electionRetry is not a duration')
  const config: ServerConfig = {
    ...(store !== undefined ? { store } : {}),
    ...(store !== undefined && caKeyFile !== undefined
      ? { ha: { caKeyFile: resolve(cwd, caKeyFile), electionRetryMs: electionRetryMs ?? 1000 } }
      : {}),
    trustDomain,
    dataDir,
    listenHost: listen?.host ?? '0.0.0.0',
    listenPort: listen?.port ?? 8081,
    adminSocket: resolve(cwd, pick('adminSocket') ?? join(dataDir, 'admin', 'admin.sock')),
    logLevel,
    caTtlMs: duration('caTtl', 24 * 3_600_000),
    ...(file.caKeyType ? { caKeyType: file.caKeyType } : {}),
    ...(file.jwtIssuer ? { jwtIssuer: file.jwtIssuer } : {}),
    x509SvidTtlMs: duration('defaultX509SvidTtl', 3_600_000),
    jwtSvidTtlMs: duration('defaultJwtSvidTtl', 300_000),
    agentSvidTtlMs: duration('agentSvidTtl', 3_600_000),
    syncPollIntervalMs: duration('syncPollInterval', 200),
    rateLimit: {
      attestationPerSecond: file.rateLimit?.attestationPerSecond ?? 1,
      attestationBurst: file.rateLimit?.attestationBurst ?? 10,
      signingPerSecond: file.rateLimit?.signingPerSecond ?? 500,
      signingBurst: file.rateLimit?.signingBurst ?? 1000,
    },
    joinToken: file.nodeAttestors?.joinToken?.enabled ?? true,
    k8sPsatClusters: file.nodeAttestors?.k8sPsat?.clusters ?? {},
    ...(httpListen ? { httpListen } : {}),
    authz: {
      ...(file.authz?.issuer ? { issuer: file.authz.issuer } : {}),
      ...(file.authz?.tokenEndpointAudience
        ? { tokenEndpointAudience: file.authz.tokenEndpointAudience }
        : {}),
      ...(file.authz?.authorizeAudience ? { authorizeAudience: file.authz.authorizeAudience } : {}),
      accessTokenTtlMs: authzTtlMs(file.authz?.accessTokenTtl, problems),
      ...authzGrpcListen(file.authz?.grpcListen, problems),
    },
    reconcile: resolveReconcileConfig(file.source, file.reconcile, cwd, problems),
    federation: resolveFederationConfig(file.federation, flags.bundleEndpoint, cwd, parseListen, problems),
  }
  if (config.caTtlMs <= 60_000) problems.push('caTtl must exceed 1m')
  if (problems.length > 0) throw configError(problems)
  return config
}
