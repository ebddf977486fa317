/** The `federation` section of the server configuration, resolved to milliseconds and absolute paths. */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseDurationMs } from '../core/duration.js'
import { DEFAULT_FEDERATION_TIMING, type FederationTiming } from './relationships.js'

export interface FederationConfigFile {
  bundleEndpoint?: {
    listen: string
    profile?: 'https_spiffe' | 'https_web'
    refreshHint?: string
    certFile?: string
    keyFile?: string
  }
  minRefreshInterval?: string
  defaultRefreshInterval?: string
  webTrustRoots?: string
}

export interface FederationConfig {
  /** Served when set. */
  readonly bundleEndpoint?: {
    readonly host: string
    readonly port: number
    readonly profile: 'https_spiffe' | 'https_web'
    readonly refreshHintSeconds: number
    readonly webCertificate?: { readonly certFile: string; readonly keyFile: string }
  }
  readonly timing: FederationTiming
  /** PEM text of the extra https_web roots. */
  readonly webRootsPem?: string
}

const DEFAULT_REFRESH_HINT_S = 300

function durationMs(text: string | undefined, name: string, fallback: number, problems: string[]): number {
  if (text === undefined) return fallback
  const ms = parseDurationMs(text)
  if (ms === undefined || ms < 1000) {
    problems.push(`federation.${name} must be a duration of at least 1s`)
    return fallback
  }
  return ms
}

/**
 * Resolves the file section; `--bundle-endpoint` overrides its `listen`. `parseListen` is the
 * server's host:port parser; problems are appended, never thrown.
 */
export function resolveFederationConfig(
  file: FederationConfigFile | undefined,
  bundleEndpointFlag: string | undefined,
  cwd: string,
  parseListen: (text: string) => { host: string; port: number } | undefined,
  problems: string[],
): FederationConfig {
  const timing: FederationTiming = {
    minRefreshMs: durationMs(
      file?.minRefreshInterval,
      'minRefreshInterval',
      DEFAULT_FEDERATION_TIMING.minRefreshMs,
      problems,
    ),
    defaultRefreshMs: durationMs(
      file?.defaultRefreshInterval,
      'defaultRefreshInterval',
      DEFAULT_FEDERATION_TIMING.defaultRefreshMs,
      problems,
    ),
  }
  let webRootsPem: string | undefined
  if (file?.webTrustRoots !== undefined) {
    const path = resolve(cwd, file.webTrustRoots)
    try {
      webRootsPem = readFileSync(path, 'utf8')
    } catch (err) {
      problems.push(
        `federation.webTrustRoots: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      )
    }
  }
  const endpoint = file?.bundleEndpoint
  const listenText = bundleEndpointFlag ?? endpoint?.listen
  if (listenText === undefined) return { timing, ...(webRootsPem ? { webRootsPem } : {}) }
  const listen = parseListen(listenText)
  if (!listen) problems.push(`federation.bundleEndpoint.listen "${listenText}" is not host:port`)
  const profile = endpoint?.profile ?? 'https_spiffe'
  const hintMs = durationMs(
    endpoint?.refreshHint,
    'bundleEndpoint.refreshHint',
    DEFAULT_REFRESH_HINT_S * 1000,
    problems,
  )
  let webCertificate: { certFile: string; keyFile: string } | undefined
  if (profile === 'https_web') {
    if (!endpoint?.certFile || !endpoint.keyFile)
      problems.push('federation.bundleEndpoint: the https_web profile needs certFile and keyFile')
    else
      webCertificate = { certFile: resolve(cwd, endpoint.certFile), keyFile: resolve(cwd, endpoint.keyFile) }
  }
  return {
    bundleEndpoint: {
      host: listen?.host ?? '0.0.0.0',
      port: listen?.port ?? 8443,
      profile,
      refreshHintSeconds: Math.round(hintMs / 1000),
      ...(webCertificate ? { webCertificate } : {}),
    },
    timing,
    ...(webRootsPem ? { webRootsPem } : {}),
  }
}
