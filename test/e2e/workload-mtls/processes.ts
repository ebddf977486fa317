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
