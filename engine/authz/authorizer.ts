/**
 * The library entry point for in-process checks (SHELL): `createAuthorizer({ store, clock })`
 * compiles the store once and recompiles when `fetchRevision()` moves. `check` is synchronous and
 * uses the compiled view; `refresh()` (or the poll loop of `run`) keeps it current.
 * @example
 * const authz = await createAuthorizer({ store, clock })
 * void authz.run(5_000, signal)
 * if (!authz.check('spiffe://example.org/web', 'read:orders').allow) deny()
 */
import type { Clock } from '../core/clock.js'
import type { RegistrationStore } from '../store/registration-store.js'
import { compileAuthz, decide, type CompiledAuthz, type Decision } from './engine.js'

/** Receives every decision (decision auditing, engine/authz/decision-log.ts). */
export type DecisionSink = (spiffeId: string, scope: string, decision: Decision) => void

export interface AuthorizerDeps {
  readonly store: Pick<RegistrationStore, 'fetchRevision' | 'readLiveState'>
  readonly clock: Clock
  /** Called for every decision made through `check`. */
  readonly onDecision?: DecisionSink
}

export interface Authorizer {
  /** Decides from the compiled view (no I/O). */
  check(spiffeId: string, scope: string): Decision
  /** The compiled view in force. */
  compiled(): CompiledAuthz
  /** Recompiles when the store revision moved; true when it did. */
  refresh(): Promise<boolean>
  /** Polls `refresh` every `intervalMs` until aborted; refresh errors go to `onError`. */
  run(intervalMs: number, signal: AbortSignal, onError?: (err: unknown) => void): Promise<void>
}

async function load(store: AuthorizerDeps['store']): Promise<CompiledAuthz> {
  const live = await store.readLiveState()
  return compileAuthz({ entries: live.entries, roles: live.roles }, live.revision)
}

/** Compiles the store now; rejects when the store cannot be read. */
export async function createAuthorizer(deps: AuthorizerDeps): Promise<Authorizer> {
  let current = await load(deps.store)
  let lineage = (await deps.store.fetchRevision()).lineage
  const sink = deps.onDecision
  const refresh = async (): Promise<boolean> => {
    const rev = await deps.store.fetchRevision()
    if (rev.revision === current.revision && rev.lineage === lineage) return false
    current = await load(deps.store)
    lineage = rev.lineage
    return true
  }
  return {
    check(spiffeId, scope) {
      const d = decide(current, spiffeId, scope)
      if (sink) sink(spiffeId, scope, d)
      return d
    },
    compiled: () => current,
    refresh,
    async run(intervalMs, signal, onError) {
      while (!signal.aborted) {
        try {
          await deps.clock.sleep(intervalMs, signal)
        } catch {
          return
        }
        try {
          await refresh()
        } catch (err) {
          onError?.(err)
        }
      }
    },
  }
}
