/**
 * `sigil bundle show [--format pem|spiffe]`: the local trust bundle. `sigil bundle list`: each
 * federation relationship, the foreign bundle it delivers, its sequence and last fetch.
 * `sigil bundle history TD`: the foreign bundle versions stored for a trust domain.
 */
import type { Command } from 'commander'
import { encodeBundleJson, encodeBundlePem } from '../../ca/bundle.js'
import {
  adminFederationControl,
  storeFederationControl,
  type FederationControl,
} from '../../federation/control.js'
import { openPostgresForeignBundleStore } from '../../store/postgres/foreign-bundles.js'
import { PostgresRegistrationStore } from '../../store/postgres-store.js'
import { adminSocketPath } from '../../store/admin-client-store.js'
import { openSqliteForeignBundleStore } from '../../store/sqlite-foreign-bundles.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { historyText, relationshipsText } from '../federation-view.js'
import { addStoreOptions, openStoreFromFlags, type StoreFlags } from '../store-options.js'
import { openCliCa, withCaOptions, type CaCommandOptions } from './ca.js'

interface ListFlags extends StoreFlags {
  readonly format: string
}

/** Runs `body` with the federation view of the selected store or server; closes what it opened. */
async function withFederation<T>(flags: StoreFlags, body: (c: FederationControl) => Promise<T>): Promise<T> {
  if (flags.store !== undefined && /^unix:/i.test(flags.store))
    return body(adminFederationControl(adminSocketPath(flags.store)))
  const store = openStoreFromFlags(flags, { create: false })
  try {
    const bundles =
      store instanceof PostgresRegistrationStore
        ? openPostgresForeignBundleStore(store.db)
        : openSqliteForeignBundleStore(store.location)
    try {
      const control = storeFederationControl(
        async () => (await store.readLiveState()).federationBundles,
        bundles,
      )
      return await body(control)
    } finally {
      await bundles.close()
    }
  } finally {
    await store.close()
  }
}

function checkFormat(format: string): void {
  if (format !== 'text' && format !== 'json') throw new CliExit(EXIT.other, '--format must be text or json')
}

/** Registers `sigil bundle`. */
export function register(program: Command): void {
  const bundle = program.command('bundle').description('trust bundles: the local one and federated ones')
  withCaOptions(
    bundle
      .command('show')
      .description('print the trust bundle (PEM X.509 authorities, or SPIFFE bundle JSON)'),
  )
    .option('--format <format>', 'pem | spiffe', 'pem')
    .action(
      action(async (opts: CaCommandOptions & { format: string }) => {
        if (opts.format !== 'pem' && opts.format !== 'spiffe')
          throw new CliExit(EXIT.other, '--format must be pem or spiffe')
        const ca = await openCliCa(opts)
        const b = ca.bundle()
        process.stdout.write(
          opts.format === 'pem' ? encodeBundlePem(b) : encodeBundleJson(b, { space: 2 }) + '\n',
        )
        return EXIT.ok
      }),
    )
  addStoreOptions(
    bundle
      .command('list')
      .description(
        'each federation relationship: endpoint, the foreign bundle delivered (fetched or pinned), its sequence, last fetch and error',
      ),
  )
    .option('--format <format>', 'text | json', 'text')
    .action(
      action(async (opts: ListFlags) => {
        checkFormat(opts.format)
        const views = await withFederation(opts, (c) => c.list())
        process.stdout.write(
          opts.format === 'json'
            ? JSON.stringify({ relationships: views }, null, 2) + '\n'
            : relationshipsText(views),
        )
        return EXIT.ok
      }),
    )
  addStoreOptions(
    bundle
      .command('history')
      .argument('<trust-domain>', 'the foreign trust domain, e.g. partner.example')
      .description('the foreign bundle versions fetched for a trust domain, newest first'),
  )
    .option('--format <format>', 'text | json', 'text')
    .action(
      action(async (trustDomain: string, opts: ListFlags) => {
        checkFormat(opts.format)
        const versions = await withFederation(opts, (c) => c.history(trustDomain))
        process.stdout.write(
          opts.format === 'json'
            ? JSON.stringify({ trustDomain, versions }, null, 2) + '\n'
            : historyText(trustDomain, versions),
        )
        return EXIT.ok
      }),
    )
}
