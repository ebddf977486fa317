/** `sigil status`: the reconcile status of the server (or, when none runs, what its data directory recorded). */
import { join } from 'node:path'
import { type Command, Option } from 'commander'
import { cryptoRandom } from '../../platform/crypto-random.js'
import { systemClock } from '../../platform/system-clock.js'
import { readStatusView, renderStatusText } from '../../reconcile/status-view.js'
import { adminFederationControl } from '../../federation/control.js'
import type { RelationshipView } from '../../federation/relationships.js'
import { action } from '../action.js'
import { federationStatusText } from '../federation-view.js'
import { EXIT } from '../exit.js'
import { dataDirOf } from '../store-options.js'
import {
  readRevocationsFromFile,
  readRevocationsFromSocket,
  revocationStatusText,
} from '../revocation-view.js'

interface StatusFlags {
  readonly dataDir?: string
  readonly adminSocket?: string
  readonly format: 'text' | 'json'
}

/** The admin socket of the server using `--data-dir` unless `--admin-socket` names another. */
export function adminSocketOf(flags: { dataDir?: string; adminSocket?: string }): string {
  return flags.adminSocket ?? join(dataDirOf(flags), 'admin', 'admin.sock')
}

async function runStatus(flags: StatusFlags): Promise<number> {
  const view = await readStatusView(adminSocketOf(flags), dataDirOf(flags), {
    clock: systemClock,
    random: cryptoRandom,
  })
  // emergency revocations (sigil revoke): from the running server, else from the store file
  // (only when some are active, so the output is unchanged otherwise)
  const found =
    (await readRevocationsFromSocket(adminSocketOf(flags))) ??
    (await readRevocationsFromFile(join(dataDirOf(flags), 'sigil.db')))
  const revocations = found && found.length > 0 ? found : undefined
  // federation relationships of the running server (only when there are some)
  const relationships = await adminFederationControl(adminSocketOf(flags))
    .list()
    .catch((): readonly RelationshipView[] => [])
  const federation = relationships.length > 0 ? relationships : undefined
  process.stdout.write(
    flags.format === 'json'
      ? JSON.stringify(
          { ...view, ...(revocations ? { revocations } : {}), ...(federation ? { federation } : {}) },
          null,
          2,
        ) + '\n'
      : renderStatusText(view) +
          (revocations ? revocationStatusText(revocations) : '') +
          (federation ? federationStatusText(federation) : ''),
  )
  return EXIT.ok
}

export function register(program: Command): void {
  program
    .command('status')
    .description(
      'reconcile status: last applied and attempted commit, errors, drift, entry counts, suspend and leader ' +
        '(from the running server, else from the data directory)',
    )
    .option('--data-dir <dir>', 'data directory of the server (default ./.sigil)')
    .option('--admin-socket <path>', 'admin socket of the server (default <data-dir>/admin/admin.sock)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(action((flags: StatusFlags) => runStatus(flags)))
}
