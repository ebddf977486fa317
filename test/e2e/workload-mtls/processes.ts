/** Long-running child processes for the e2e scenario: output collected, lines awaited with deadlines. */
import { spawn, type ChildProcess } from 'node:child_process'
import { SIGIL_BIN } from '../../support/cli.js'

/** A running child with its output so far. */
export interface Proc {
  readonly child: ChildProcess
  stdout: string
  stderr: string
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>
  /** The first stdout line matching `pattern`, waiting up to `timeoutMs`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>
  /** Parsed JSON stdout lines. */
  json(): Record<string, unknown>[]
}

export interface SpawnOptions {
  readonly uid?: number
  readonly gid?: number
  readonly env?: Record<string, string>
  readonly cwd?: string
}

/** Spawns `node args…` (the sigil binary when `args[0]` is not a file). */
export function spawnNode(args: readonly string[], options: SpawnOptions = {}): Proc {
  const child = spawn(process.execPath, [...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  })
  const waiters = new Set<() => void>()
  const proc: Proc = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1))),
    line(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = proc.stdout.split('\n').find((l) => pattern.test(l))
          if (found === undefined) return false
          clearTimeout(timer)
          waiters.delete(onData)
          resolve(found)
          return true
        }
        const onData = () => void check()
        const timer = setTimeout(() => {
          waiters.delete(onData)
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms\nstdout: ${proc.stdout}\nstderr: ${proc.stderr.slice(-2000)}`,
            ),
          )
        }, timeoutMs)
        if (!check()) waiters.add(onData)
      })
    },
    json() {
      return proc.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    },
  }
  child.stdout?.on('data', (d: Buffer) => {
    proc.stdout += d.toString()
    for (const w of [...waiters]) w()
  })
  child.stderr?.on('data', (d: Buffer) => (proc.stderr += d.toString()))
  return proc
}

/** Spawns the real `sigil` CLI. */
export function spawnSigil(args: readonly string[], options: SpawnOptions = {}): Proc {
  return spawnNode([SIGIL_BIN, ...args], options)
}

/** Runs `sigil …` to completion. */
export async function sigil(
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const proc = spawnSigil(args, options)
  const code = await proc.exited
  return { code, stdout: proc.stdout, stderr: proc.stderr }
}

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function poll<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Where a `sigil agent` joins: the server's admin store, agent API and data directory. */
export interface AgentJoin {
  readonly store: string
  readonly serverPort: number
  readonly trustDomain: string
  readonly agentName: string
  /** The server's data directory (its bundle.pem bootstraps the agent). */
  readonly serverDataDir: string
  readonly agentDataDir: string
  readonly socket: string
}

/** Creates a join token through the admin socket and starts an agent with it; resolves once it serves. */
export async function startJoinedAgent(join: AgentJoin): Promise<Proc> {
  const token = await sigil([
    'token',
    'create',
    '--ttl',
    '1h',
    '--agent-name',
    join.agentName,
    '--store',
    join.store,
  ])
  if (token.code !== 0) throw new Error(`sigil token create failed: ${token.stderr}`)
  const agent = spawnSigil([
    'agent',
    ...['--server', `127.0.0.1:${join.serverPort}`, '--trust-domain', join.trustDomain],
    ...['--join-token', token.stdout.trim(), '--trust-bundle', `${join.serverDataDir}/bundle.pem`],
    ...['--data-dir', join.agentDataDir, '--socket', join.socket],
  ])
  await agent.line(/serving the Workload API/)
  return agent
}
