// Shared setup for the Workload API integration tests: a world-accessible temp dir with a socket.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServiceError } from '@grpc/grpc-js'

/** A temp dir every local user can enter (children run under other uids). */
export function worldTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(dir, 0o755)
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The gRPC status code a promise rejects with. */
export async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise
    return undefined
  } catch (err) {
    return (err as ServiceError).code
  }
}

/** Collects stream messages and the final status; `next()` resolves with the n-th message. */
export class StreamRecorder<T = unknown> {
  readonly messages: T[] = []
  status: ServiceError | undefined | 'open' = 'open'
  private waiters: (() => void)[] = []

  onMessage = (message: unknown): void => {
    this.messages.push(message as T)
    this.wake()
  }

  onEnd = (err: ServiceError | undefined): void => {
    this.status = err
    this.wake()
  }

  /** Resolves once `count` messages arrived (rejects if the stream ends first). */
  async waitForMessages(count: number): Promise<T> {
    while (this.messages.length < count) {
      if (this.status !== 'open') throw new Error(`stream ended with code ${this.status?.code}`)
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
    return this.messages[count - 1]!
  }

  /** Resolves with the final status code once the stream ends. */
  async waitForEnd(): Promise<number | undefined> {
    while (this.status === 'open') await new Promise<void>((resolve) => this.waiters.push(resolve))
    return this.status?.code
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}
