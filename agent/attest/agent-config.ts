/**
 * `sigil agent` configuration: an optional YAML/JSON file checked against
 * schema/agent-config.schema.json, overridden by flags, with paths resolved against the working
 * directory. Every problem is reported at once as ERR_CONFIG_INVALID with `data.problems`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { parse as parseYaml } from 'yaml'
import { EngineError } from '../../engine/core/errors.js'
import { parseTrustDomain } from '../../engine/core/spiffe-id.js'
import { DEFAULT_WORKLOAD_SOCKET } from '../workload-api/endpoint-address.js'

/** The flags of `sigil agent` (the file uses the same keys). */
export interface AgentFlags {
  readonly config?: string
  readonly server?: string
  readonly trustDomain?: string
  readonly joinToken?: string
  readonly k8sTokenFile?: string
  readonly k8sCluster?: string
  readonly trustBundle?: string
  readonly insecureBootstrap?: boolean
  readonly dataDir?: string
  readonly socket?: string
  readonly logLevel?: string
  readonly httpListen?: string
}

/** The resolved configuration. */
export interface AgentConfig {
  readonly serverAddress: string
  readonly trustDomain: string
  readonly joinToken?: string
  readonly k8s?: { readonly cluster: string; readonly tokenFile: string }
  /** The PEM text of --trust-bundle. */
  readonly trustBundlePem?: string
  readonly insecureBootstrap: boolean
  readonly dataDir: string
  readonly socketPath: string
  readonly logLevel: string
  /** `/healthz`, `/readyz` and `/metrics` on this address (absent: no HTTP endpoint). */
  readonly httpListen?: { readonly host: string; readonly port: number }
}

function configError(problems: string[]): EngineError {
  return new EngineError('ERR_CONFIG_INVALID', `invalid agent configuration: ${problems.join('; ')}`, {
    data: { problems },
  })
}

function schemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'schema', 'agent-config.schema.json')
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error('schema/agent-config.schema.json not found')
    dir = parent
  }
}

let validator: ReturnType<Ajv['compile']> | undefined

/** Reads and checks a config file; throws ERR_CONFIG_INVALID listing every problem. */
export function readAgentConfigFile(path: string): AgentFlags {
  let doc: unknown
  try {
    doc = parseYaml(readFileSync(path, 'utf8')) ?? {}
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw configError([code ? `cannot read ${path}: ${code}` : `${path} is not valid YAML or JSON`])
  }
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(schemaPath(), 'utf8')) as object,
  )
  if (!validator(doc)) {
    throw configError(
      (validator.errors ?? []).map((e) => {
        const extra =
          e.keyword === 'additionalProperties' ? ` (${String(e.params['additionalProperty'])})` : ''
        return `${path}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`
      }),
    )
  }
  return doc as AgentFlags
}

/** Merges the file and the flags, applies defaults and checks the result. */
export function resolveAgentConfig(flags: AgentFlags, cwd: string): AgentConfig {
  const file = flags.config ? readAgentConfigFile(resolve(cwd, flags.config)) : {}
  const pick = <K extends keyof AgentFlags>(key: K): AgentFlags[K] => flags[key] ?? file[key]
  const problems: string[] = []
  const server = pick('server')
  if (!server) problems.push('--server host:port is required')
  else if (!/^(\[[0-9A-Fa-f:.]+\]|[^:\s[\]]+):[0-9]{1,5}$/.test(server))
    problems.push(`--server "${server}" is not host:port`)
  const trustDomain = pick('trustDomain')
  if (!trustDomain) problems.push('--trust-domain is required')
  else if (!parseTrustDomain(trustDomain).ok) problems.push(`trust domain "${trustDomain}" is invalid`)
  const joinToken = pick('joinToken')
  const tokenFile = pick('k8sTokenFile')
  const cluster = pick('k8sCluster')
  if (joinToken && tokenFile) problems.push('use either --join-token or --k8s-token-file, not both')
  if (tokenFile && !cluster) problems.push('--k8s-token-file needs --k8s-cluster')
  const insecureBootstrap = pick('insecureBootstrap') ?? false
  const trustBundle = pick('trustBundle')
  if (trustBundle && insecureBootstrap)
    problems.push('use either --trust-bundle or --insecure-bootstrap, not both')
  let trustBundlePem: string | undefined
  if (trustBundle) {
    try {
      trustBundlePem = readFileSync(resolve(cwd, trustBundle), 'utf8')
    } catch (err) {
      problems.push(
        `cannot read --trust-bundle ${trustBundle}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      )
    }
  }
  const logLevel = pick('logLevel') ?? 'info'
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel))
    problems.push(`log level "${logLevel}" is invalid`)
  const httpListen = pick('httpListen')
  const listen = httpListen === undefined ? undefined : parseHostPort(httpListen)
  if (httpListen !== undefined && !listen) problems.push(`--http-listen "${httpListen}" is not host:port`)
  if (problems.length > 0) throw configError(problems)
  return {
    serverAddress: server as string,
    trustDomain: trustDomain as string,
    ...(joinToken ? { joinToken } : {}),
    ...(tokenFile && cluster ? { k8s: { cluster, tokenFile: resolve(cwd, tokenFile) } } : {}),
    ...(trustBundlePem !== undefined ? { trustBundlePem } : {}),
    insecureBootstrap,
    dataDir: resolve(cwd, pick('dataDir') ?? '.sigil'),
    socketPath: resolve(cwd, pick('socket') ?? DEFAULT_WORKLOAD_SOCKET),
    logLevel,
    ...(listen ? { httpListen: listen } : {}),
  }
}

/** `host:port` or `[v6]:port` with a port in 0–65535; undefined otherwise. */
function parseHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]+)):([0-9]{1,5})$/.exec(text)
  const port = Number(match?.[3])
  if (!match || port > 65535) return undefined
  return { host: (match[1] ?? match[2]) as string, port }
}
