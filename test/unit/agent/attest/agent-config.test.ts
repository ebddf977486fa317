import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveAgentConfig } from '../../../../agent/attest/agent-config.js'
import { DEFAULT_WORKLOAD_SOCKET } from '../../../../agent/workload-api/endpoint-address.js'
import { tempDir } from '../../../support/git.js'

describe('agent configuration', () => {
  it('merges the file (camelCase keys) with flags, flags winning, and resolves paths', () => {
    const dir = tempDir('sigil-agent-config-')
    writeFileSync(join(dir, 'bundle.pem'), 'PEM')
    writeFileSync(
      join(dir, 'agent.yaml'),
      'server: 10.0.0.1:8081\ntrustDomain: example.org\ntrustBundle: bundle.pem\ndataDir: data\nlogLevel: debug\n',
    )
    const config = resolveAgentConfig({ config: 'agent.yaml', server: '127.0.0.1:9000', joinToken: 't' }, dir)
    expect(config).toEqual({
      serverAddress: '127.0.0.1:9000',
      trustDomain: 'example.org',
      joinToken: 't',
      trustBundlePem: 'PEM',
      insecureBootstrap: false,
      dataDir: join(dir, 'data'),
      socketPath: DEFAULT_WORKLOAD_SOCKET,
      logLevel: 'debug',
    })
  })

  it('reports every problem at once', () => {
    let err: unknown
    try {
      resolveAgentConfig(
        {
          trustDomain: 'Bad Domain',
          joinToken: 't',
          k8sTokenFile: 'f',
          trustBundle: 'x',
          insecureBootstrap: true,
        },
        tempDir('sigil-agent-config-'),
      )
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'ERR_CONFIG_INVALID' })
    expect((err as { data: { problems: string[] } }).data.problems).toHaveLength(6)
  })

  it('rejects unknown keys in the file', () => {
    const dir = tempDir('sigil-agent-config-')
    writeFileSync(
      join(dir, 'agent.json'),
      JSON.stringify({ server: 'h:1', trustDomain: 'example.org', sever: 'x' }),
    )
    expect(() => resolveAgentConfig({ config: 'agent.json' }, dir)).toThrow(/sever/)
  })

  it('reads httpListen from the file or --http-listen, IPv6 in brackets, and refuses a bad address', () => {
    const dir = tempDir('sigil-agent-config-')
    writeFileSync(
      join(dir, 'agent.yaml'),
      'server: h:1\ntrustDomain: example.org\nhttpListen: 0.0.0.0:9989\n',
    )
    expect(resolveAgentConfig({ config: 'agent.yaml' }, dir).httpListen).toEqual({
      host: '0.0.0.0',
      port: 9989,
    })
    const flags = { server: 'h:1', trustDomain: 'example.org' }
    expect(resolveAgentConfig({ ...flags, httpListen: '[::1]:0' }, dir).httpListen).toEqual({
      host: '::1',
      port: 0,
    })
    expect(resolveAgentConfig(flags, dir).httpListen).toBeUndefined()
    expect(() => resolveAgentConfig({ ...flags, httpListen: 'nope' }, dir)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })
})
