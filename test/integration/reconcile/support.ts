/** A real `sigil server` process with a Git source, and the small clients the reconcile tests use. */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { callReconcile } from '../../../engine/reconcile/control.js'
import type { ReconcileStatus } from '../../../engine/reconcile/status.js'
import { PROJECT_ROOT, SIGIL_BIN } from '../../support/cli.js'

export interface ServerProcess {
  readonly child: ChildProcess
  readonly dataDir: string
  readonly adminSocket: string
  readonly port: number
  readonly httpPort: number
  readonly exited: Promise<number>
  /** What the server wrote on stderr (JSON log lines). */
  stderr(): string
  status(): Promise<ReconcileStatus>
  stop(): Promise<number>
}

/** Writes `config` (YAML) beside the data dir and starts `sigil server --config`. */
export function startServerProcess(dir: string, config: string): Promise<ServerProcess> {
  const configPath = join(dir, 'server.yaml')
  const dataDir = join(dir, 'data')
  writeFileSync(
    configPath,
    `trustDomain: example.org\ndataDir: ${dataDir}\nlisten: 127.0.0.1:0\nhttpListen: 127.0.0.1:0\nlogLevel: info\n${config}`,
  )
  const child = spawn(process.execPath, [SIGIL_BIN, 'server', '--config', configPath], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  let err = ''
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  const adminSocket = join(dataDir, 'admin', 'admin.sock')
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(out)
      const http = /http endpoint on 127\.0\.0\.1:(\d+)/.exec(out)
      if (!port || !http) return
      resolve({
        child,
        dataDir,
        adminSocket,
        port: Number(port[1]),
        httpPort: Number(http[1]),
        exited,
        stderr: () => err,
        status: () => callReconcile<ReconcileStatus>(adminSocket, 'reconcileStatus'),
        stop: () => {
          child.kill('SIGTERM')
          return exited
        },
      })
    })
    void exited.then((code) => reject(new Error(`server exited ${code}: ${err}`)))
  })
}

/** Polls `fn` every 100 ms until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** One HTTP request to the server's plain-HTTP endpoint. */
export function http(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: options.headers ?? {} }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, contentType: String(res.headers['content-type']) }),
      )
    })
    req.on('error', reject)
    req.end(options.body ?? '')
  })
}

/** The CA bundle the server wrote (what an agent is bootstrapped with). */
export function bundlePem(dataDir: string): string {
  return readFileSync(join(dataDir, 'bundle.pem'), 'utf8')
}
