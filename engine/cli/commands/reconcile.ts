/** `sigil reconcile suspend|resume|now`: control the reconcile loop of a running server (admin socket). */
import type { Command } from 'commander'
import { isEngineError } from '../../core/errors.js'
import { systemClock } from '../../platform/system-clock.js'
import { callReconcile } from '../../reconcile/control.js'
import type { NowResult } from '../../reconcile/state-store.js'
import { writeSuspendFile, type ReconcileStatus } from '../../reconcile/status.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { osActor } from '../plan-apply/actor.js'
import { dataDirOf } from '../store-options.js'
import { adminSocketOf } from './status.js'

interface ControlFlags {
  readonly dataDir?: string
  readonly adminSocket?: string
  readonly reason?: string
}

const noServer = (err: unknown) => isEngineError(err, 'ERR_STORE_UNAVAILABLE')

/** Suspends or resumes; with no server running, records the choice for its next start. */
async function setSuspended(flags: ControlFlags, suspended: boolean): Promise<number> {
  const actor = osActor()
  const verb = suspended ? 'suspended' : 'resumed'
  try {
    await callReconcile<ReconcileStatus>(
      adminSocketOf(flags),
      suspended ? 'reconcileSuspend' : 'reconcileResume',
      [{ actor, ...(flags.reason ? { reason: flags.reason } : {}) }],
    )
    process.stdout.write(`Reconcile ${verb}.\n`)
    return EXIT.ok
  } catch (err) {
    if (!noServer(err)) throw err
  }
  await writeSuspendFile(dataDirOf(flags), {
    suspended,
    atMs: systemClock.now(),
    actor,
    ...(flags.reason ? { reason: flags.reason } : {}),
  })
  process.stdout.write(
    `No server is running; reconcile will start ${verb} (recorded in ${dataDirOf(flags)}).\n`,
  )
  return EXIT.ok
}

/** `Forwarded to the leader host-b 10.0.0.2:8081 (epoch 3): ` when a follower passed the request on. */
function forwardedPrefix(result: NowResult): string {
  const to = result.forwardedTo
  if (!to) return ''
  const who = [to.hostname, to.address].filter(Boolean).join(' ')
  return `Forwarded to the leader${who ? ` ${who}` : ''}${to.epoch !== undefined ? ` (epoch ${to.epoch})` : ''}: `
}

function describe(result: NowResult): string {
  const commit = result.commit ? ` commit ${result.commit.slice(0, 12)}` : ''
  const c = result.changes
  const changes = c ? ` (${c.create} created, ${c.update} updated, ${c.delete} deleted)` : ''
  const drift = result.drift?.detected
    ? `; drift: ${result.drift.total} change(s) ${result.drift.reverted ? 'reverted' : 'reported'}`
    : ''
  switch (result.result) {
    case 'applied':
      return `Applied${commit}${changes}${drift}.`
    case 'unchanged':
      return `In sync${commit}; nothing to apply.`
    case 'drift_reported':
      return `Warn mode${commit}${changes}${drift}.`
    case 'skipped':
      return 'Skipped: this replica is not the leader, or the server is stopping.'
    default:
      return `Reconcile ${result.result}${commit}: ${result.error?.message ?? ''} (${result.error?.code ?? ''}); the last applied commit stays in force.`
  }
}

async function runNow(flags: ControlFlags): Promise<number> {
  let result: NowResult
  try {
    result = await callReconcile<NowResult>(adminSocketOf(flags), 'reconcileNow')
  } catch (err) {
    if (noServer(err)) throw new CliExit(EXIT.failure, `no sigil server answers on ${adminSocketOf(flags)}`)
    throw err
  }
  process.stdout.write(forwardedPrefix(result) + describe(result) + '\n')
  return result.result === 'failed' || result.result === 'refused' ? EXIT.failure : EXIT.ok
}

const addFlags = (command: Command) =>
  command
    .option('--data-dir <dir>', 'data directory of the server (default ./.sigil)')
    .option('--admin-socket <path>', 'admin socket of the server (default <data-dir>/admin/admin.sock)')

export function register(program: Command): void {
  const reconcile = program
    .command('reconcile')
    .description('control the reconcile loop of `sigil server`: suspend, resume, or run a cycle now')
  addFlags(
    reconcile
      .command('suspend')
      .description('stop applying commits and reverting drift until resumed (kept across restarts)')
      .option('--reason <text>', 'why, shown in the logs and the suspend record'),
  ).action(action((flags: ControlFlags) => setSuspended(flags, true)))
  addFlags(reconcile.command('resume').description('resume reconciling and run a cycle at once')).action(
    action((flags: ControlFlags) => setSuspended(flags, false)),
  )
  addFlags(
    reconcile
      .command('now')
      .description('run a cycle at once and print its result (exit 1 when it failed or was refused)'),
  ).action(action((flags: ControlFlags) => runNow(flags)))
}
