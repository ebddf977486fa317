/**
 * Reconcile control over the admin socket: the server-side dispatch of `reconcileStatus`,
 * `reconcileSuspend`, `reconcileResume` and `reconcileNow`, and the client the CLI uses. Same wire
 * protocol as the store methods (store/admin-client-store.ts): `POST /v1/<method>` with `{"args": [...]}`.
 */
import { callAdmin } from '../store/admin-client-store.js'
import type { NowResult } from './state-store.js'
import type { ReconcileStatus } from './status.js'

/** The operations the admin socket and the webhook reach. */
export interface ReconcileControl {
  status(): Promise<ReconcileStatus>
  suspend(actor: string, reason?: string): Promise<ReconcileStatus>
  resume(actor: string): Promise<ReconcileStatus>
  /** Runs a cycle at once (queued behind a running one; on a follower, by the leader) and resolves with its result. */
  now(trigger?: string): Promise<NowResult>
}

export const RECONCILE_METHODS = [
  'reconcileStatus',
  'reconcileSuspend',
  'reconcileResume',
  'reconcileNow',
] as const
export type ReconcileMethod = (typeof RECONCILE_METHODS)[number]

/** True for the admin methods handled here. */
export function isReconcileMethod(method: string): method is ReconcileMethod {
  return (RECONCILE_METHODS as readonly string[]).includes(method)
}

const text = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || v === '' || v.length > 200)
    throw new TypeError(`${name} must be a short string`)
  return v
}

/** Runs one reconcile admin method with its wire arguments (`[{actor, reason?}]` for suspend/resume). */
export function dispatchReconcile(
  control: ReconcileControl,
  method: ReconcileMethod,
  args: readonly unknown[],
): Promise<unknown> {
  const opts = (args[0] ?? {}) as { actor?: unknown; reason?: unknown }
  switch (method) {
    case 'reconcileStatus':
      return control.status()
    case 'reconcileSuspend':
      return control.suspend(
        text(opts.actor, 'actor'),
        opts.reason === undefined ? undefined : text(opts.reason, 'reason'),
      )
    case 'reconcileResume':
      return control.resume(text(opts.actor, 'actor'))
    case 'reconcileNow':
      return control.now('manual')
  }
}

/** Calls `method` on the admin socket at `socketPath`; ERR_STORE_UNAVAILABLE when no server answers. */
export function callReconcile<T>(
  socketPath: string,
  method: ReconcileMethod,
  args: readonly unknown[] = [],
): Promise<T> {
  return callAdmin<T>(socketPath, method, args)
}
