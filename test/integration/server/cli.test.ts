import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProgram } from '../../../engine/cli/main.js'
import { PROJECT_ROOT, runSigil, SIGIL_BIN } from '../../support/cli.js'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-server-cli-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Starts `sigil server` and resolves with the child and its port once it printed where it listens. */
function startServerProcess(
  args: string[],
): Promise<{ child: ChildProcess; port: number; exited: Promise<number> }> {
  const child = spawn(process.execPath, [SIGIL_BIN, 'server', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', SIGIL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out)
      if (m) resolve({ child, port: Number(m[1]), exited })
    })
    void exited.then((code) => reject(new Error(`server exited ${code}: ${err}`)))
  })
}

describe('sigil server process', () => {
  it('rejects a bad config file with every problem and exit code 2', async () => {
    const config = join(dir, 'bad.yaml')
    writeFileSync(config, 'trustDomain: example.org\nlisten: nowhere\nfrobnicate: true\n')
    const res = await runSigil(['server', '--config', config, '--data-dir', join(dir, 'bad')])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('ERR_CONFIG_INVALID')
    expect(res.stderr).toContain('frobnicate')
    expect(res.stderr).toContain('/listen')
  })

  it('refuses a data dir it cannot write with exit code 1', async () => {
    writeFileSync(join(dir, 'a-file'), '')
    const res = await runSigil([
      'server',
      '--trust-domain',
      'example.org',
      '--data-dir',
      join(dir, 'a-file', 'data'),
    ])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('cannot write data directory')
  })

  it('serves the admin socket, refuses a port in use, and exits 0 on SIGTERM', async () => {
    const data = join(dir, 'data')
    const server = await startServerProcess([
      '--trust-domain',
      'example.org',
      '--data-dir',
      data,
      '--listen',
      '127.0.0.1:0',
    ])
    try {
      const busy = await runSigil([
        'server',
        '--trust-domain',
        'example.org',
        '--data-dir',
        join(dir, 'other'),
        '--listen',
        `127.0.0.1:${server.port}`,
      ])
      expect(busy.code).toBe(1)
      expect(busy.stderr).toContain('address already in use')
      const store = `unix://${join(data, 'admin', 'admin.sock')}`
      const token = await runSigil([
        'token',
        'create',
        '--ttl',
        '5m',
        '--agent-name',
        'host-1',
        '--store',
        store,
      ])
      expect(token.code, token.stderr).toBe(0)
      expect(token.stdout.trim()).toMatch(/^[0-9a-f]{40}$/)
      const ban = await runSigil([
        'agent',
        'ban',
        'spiffe://example.org/spire/agent/join_token/host-2',
        '--store',
        store,
      ])
      expect(ban.code, ban.stderr).toBe(0)
      const list = await runSigil(['agent', 'list', '--format', 'json', '--store', store])
      expect(JSON.parse(list.stdout)).toMatchObject({
        agents: [{ agentId: 'spiffe://example.org/spire/agent/join_token/host-2', banned: true }],
      })
      const entries = await runSigil(['entry', 'list', '--store', store])
      expect(entries.code, entries.stderr).toBe(0)
    } finally {
      server.child.kill('SIGTERM')
    }
    expect(await server.exited).toBe(0)
    expect(existsSync(join(data, 'admin', 'admin.sock'))).toBe(false)
  })

  it('has --help for server, token create and agent ban/unban/list', async () => {
    const res = await runSigil(['server', '--help'])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('--admin-socket')
    const program = await buildProgram()
    const find = (path: string[]) =>
      path.reduce<Command | undefined>((cmd, name) => cmd?.commands.find((c) => c.name() === name), program)
    for (const path of [
      ['token', 'create'],
      ['agent', 'ban'],
      ['agent', 'unban'],
      ['agent', 'list'],
    ]) {
      expect(find(path)?.helpInformation()).toContain('Usage:')
    }
  })
})
