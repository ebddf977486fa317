/** Real `sigil server` replicas on one PostgreSQL database, for the HA process tests. */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { LeaderHolder } from '../../../engine/ha/leadership.js'
import { PROJECT_ROOT, SIGIL_BIN } from '../../support/cli.js'

export interface Replica {
  readonly child: ChildProcess
  readonly dataDir: string
  readonly adminSocket: string
  readonly port: number
  /** Port of the HTTP endpoint, when `httpListen` is in `extraConfig`. */
  readonly httpPort?: number
  readonly stderr: () => string
}

/** Polls `fn` every 100 ms until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Starts replica `name` in `dir` on the store `url` (the CA key-encryption key at `dir/ca-kek`);
 * `extraConfig` is appended to its YAML configuration.
 */
export async function startReplica(
  dir: string,
  name: string,
  url: string,
  extraConfig = '',
): Promise<Replica> {
  const dataDir = join(dir, name)
  const config = join(dir, `${name}.yaml`)
  writeFileSync(
    config,
    [
      `store: ${JSON.stringify(url)}`,
      `ha: { caKeyFile: ${JSON.stringify(join(dir, 'ca-kek'))}, electionRetry: 200ms }`,
      'trustDomain: example.org',
      `dataDir: ${JSON.stringify(dataDir)}`,
      'listen: 127.0.0.1:0',
      'logLevel: warn',
      extraConfig,
    ].join('\n'),
  )
  const child = spawn(process.execPath, [SIGIL_BIN, 'server', '--config', config], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  const port = await waitFor(
    `${name} to listen (${err})`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${err}`)
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out)
      return m ? Number(m[1]) : undefined
    },
    60_000,
  )
  const http = /http endpoint on 127\.0\.0\.1:(\d+)/.exec(out)
  return {
    child,
    dataDir,
    adminSocket: join(dataDir, 'admin', 'admin.sock'),
    port,
    ...(http ? { httpPort: Number(http[1]) } : {}),
    stderr: () => err,
  }
}

/** The leader recorded in the database at `url`. */
export async function recordedLeader(url: string): Promise<LeaderHolder | undefined> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const res = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'leader_holder'")
    const text = res.rows[0]?.value
    return text ? (JSON.parse(text) as LeaderHolder) : undefined
  } finally {
    await c.end()
  }
}

/** Waits until `replica` is the recorded leader; returns the record. */
export function waitForLeader(url: string, replica: Replica, name: string): Promise<LeaderHolder> {
  return waitFor(`${name} to lead`, async () => {
    const h = await recordedLeader(url)
    return h?.pid === replica.child.pid ? h : undefined
  })
}

/** Resolves with the exit code once `replica` has exited. */
export function exitOf(replica: Replica): Promise<number | null> {
  const { child } = replica
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))))
}
