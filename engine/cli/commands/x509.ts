/** `sigil x509 mint`: an X509-SVID with a fresh key, written as svid.pem, svid.key.pem (0600) and bundle.pem. */
import { createPrivateKey } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { writeFileAtomic } from '../../ca/atomic-file.js'
import { certificatePem, encodeBundlePem } from '../../ca/bundle.js'
import { createCsr } from '../../ca/csr.js'
import { isKeyType } from '../../ca/key-type.js'
import { parseDurationMs } from '../../core/duration.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { openCliCa, withCaOptions, type CaCommandOptions } from './ca.js'

const collect = (value: string, previous: string[]) => [...previous, value]

/** Registers `sigil x509`. */
export function register(program: Command): void {
  const x509 = program.command('x509').description('X509-SVIDs')
  withCaOptions(x509.command('mint').description('mint an X509-SVID and its private key into a directory'))
    .requiredOption('--spiffe-id <id>', 'SPIFFE ID of the SVID (in the trust domain, non-root path)')
    .option('--dns <name>', 'DNS SAN (repeatable)', collect, [])
    .option('--ttl <duration>', 'lifetime, e.g. 1h (capped at the CA expiry)', '1h')
    .option('--key-type <type>', 'ec-p256 | ec-p384 | rsa-2048 | rsa-3072 | rsa-4096', 'ec-p256')
    .requiredOption('--out <dir>', 'directory for svid.pem, svid.key.pem and bundle.pem')
    .action(
      action(
        async (
          opts: CaCommandOptions & {
            spiffeId: string
            dns: string[]
            ttl: string
            keyType: string
            out: string
          },
        ) => {
          const ttlMs = parseDurationMs(opts.ttl)
          if (ttlMs === undefined || ttlMs <= 0) throw new CliExit(EXIT.other, `invalid --ttl "${opts.ttl}"`)
          if (!isKeyType(opts.keyType)) throw new CliExit(EXIT.other, `invalid --key-type "${opts.keyType}"`)
          const ca = await openCliCa(opts)
          let csr
          try {
            csr = createCsr(opts.spiffeId, opts.keyType)
          } catch {
            throw new CliExit(EXIT.failure, `invalid --spiffe-id "${opts.spiffeId}"`)
          }
          const svid = ca.signWorkloadX509Svid({
            csrDer: csr.csrDer,
            spiffeId: opts.spiffeId,
            dnsNames: opts.dns,
            ttlMs,
          })
          const out = resolve(opts.out)
          await mkdir(out, { recursive: true, mode: 0o700 })
          const keyPem = createPrivateKey({
            key: csr.privateKeyPkcs8Der,
            format: 'der',
            type: 'pkcs8',
          }).export({
            format: 'pem',
            type: 'pkcs8',
          }) as string
          await writeFileAtomic(join(out, 'svid.key.pem'), keyPem, 0o600)
          await writeFileAtomic(
            join(out, 'svid.pem'),
            svid.certChainDer.map((d) => certificatePem(d)).join(''),
            0o644,
          )
          await writeFileAtomic(join(out, 'bundle.pem'), encodeBundlePem(ca.bundle()), 0o644)
          process.stdout.write(
            `minted ${opts.spiffeId} serial ${svid.serial} expires ${new Date(svid.notAfterMs).toISOString()}\n` +
              `wrote ${join(out, 'svid.pem')}, ${join(out, 'svid.key.pem')}, ${join(out, 'bundle.pem')}\n`,
          )
          return EXIT.ok
        },
      ),
    )
}
