/** The `federation` section of the server configuration: defaults, the flag, and every problem at once. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isEngineError } from '../../../../engine/core/errors.js'
import { resolveServerConfig } from '../../../../engine/server/config.js'

const dir = mkdtempSync(join(tmpdir(), 'sigil-fed-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function withFile(yaml: string) {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(path, yaml)
  return path
}

function problems(yaml: string): string[] {
  try {
    resolveServerConfig({ config: withFile(yaml) }, dir)
  } catch (err) {
    if (isEngineError(err, 'ERR_CONFIG_INVALID')) return err.data['problems'] as string[]
    throw err
  }
  return []
}

describe('federation config', () => {
  it('defaults: no endpoint, SPIRE-like poll timing', () => {
    const config = resolveServerConfig({}, dir)
    expect(config.federation).toEqual({ timing: { minRefreshMs: 60_000, defaultRefreshMs: 300_000 } })
  })

  it('--bundle-endpoint serves https_spiffe with a 5 minute refresh hint', () => {
    const config = resolveServerConfig({ bundleEndpoint: '127.0.0.1:8443' }, dir)
    expect(config.federation.bundleEndpoint).toEqual({
      host: '127.0.0.1',
      port: 8443,
      profile: 'https_spiffe',
      refreshHintSeconds: 300,
    })
  })

  it('reads the file section, resolving paths and durations', () => {
    writeFileSync(join(dir, 'roots.pem'), 'ROOTS')
    const config = resolveServerConfig(
      {
        config: withFile(`federation:
  bundleEndpoint: { listen: ":9443", profile: https_web, refreshHint: 2m, certFile: ep.crt, keyFile: ep.key }
  minRefreshInterval: 10s
  defaultRefreshInterval: 1m
  webTrustRoots: roots.pem
`),
      },
      dir,
    )
    expect(config.federation).toEqual({
      bundleEndpoint: {
        host: '0.0.0.0',
        port: 9443,
        profile: 'https_web',
        refreshHintSeconds: 120,
        webCertificate: { certFile: join(dir, 'ep.crt'), keyFile: join(dir, 'ep.key') },
      },
      timing: { minRefreshMs: 10_000, defaultRefreshMs: 60_000 },
      webRootsPem: 'ROOTS',
    })
  })

  it('reports every problem at once', () => {
    const found = problems(`federation:
  bundleEndpoint: { listen: "nowhere:x", profile: https_web }
  minRefreshInterval: 10ms
  webTrustRoots: missing.pem
`)
    expect(found.join('\n')).toMatch(/listen/)
    expect(
      problems(`federation:
  bundleEndpoint: { listen: ":9443", profile: https_web }
  minRefreshInterval: 10ms
  webTrustRoots: missing.pem
`),
    ).toEqual([
      'federation.minRefreshInterval must be a duration of at least 1s',
      expect.stringMatching(/^federation\.webTrustRoots: cannot read .*missing\.pem: ENOENT$/),
      'federation.bundleEndpoint: the https_web profile needs certFile and keyFile',
    ])
    expect(problems('federation: { bundleEndpoint: { listen: ":1", profile: ftp } }').join()).toMatch(
      /profile/,
    )
  })
})
