/**
 * `sigil workload fetch x509|jwt`: what the Workload API gives this process (like
 * `spire-agent api fetch`). The socket comes from --socket, else SPIFFE_ENDPOINT_SOCKET, else the
 * agent's default socket.
 */
import { X509Certificate } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Argument, Option, type Command } from 'commander'
import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js'
import { WorkloadApiClient, type X509SvidMessage } from '../../../agent/workload-api/client.js'
import { splitDer } from '../../../agent/workload-api/der.js'
import {
  ENDPOINT_SOCKET_ENV,
  resolveEndpointAddress,
  type EndpointAddress,
} from '../../../agent/workload-api/endpoint-address.js'
import { parseDurationMs } from '../../core/duration.js'
import { isEngineError } from '../../core/errors.js'
import { action } from '../action.js'
import { EXIT } from '../exit.js'

interface FetchFlags {
  readonly socket?: string
  readonly audience: string[]
  readonly spiffeId?: string
  readonly out?: string
  readonly json?: boolean
  readonly timeout: string
}

const collect = (value: string, previous: string[]) => [...previous, value]

/** Registers `sigil workload fetch`. */
export function register(program: Command): void {
  const workload = program.command('workload').description('talk to the SPIFFE Workload API as a workload')
  workload
    .command('fetch')
    .description('print the X509-SVIDs or JWT-SVIDs the Workload API gives this process')
    .addArgument(new Argument('<kind>', 'x509 or jwt').choices(['x509', 'jwt']))
    .option('--socket <path|uri>', `Workload API socket (default: $${ENDPOINT_SOCKET_ENV}, else the agent's)`)
    .option('--audience <aud>', 'JWT-SVID audience (repeatable; required for jwt)', collect, [])
    .option('--spiffe-id <id>', 'only this SPIFFE ID (jwt)')
    .option('--out <dir>', 'x509: write svid.pem, svid.key.pem and bundle.pem to this directory')
    .option('--json', 'machine-readable output (never includes private keys)')
    .addOption(new Option('--timeout <duration>', 'give up after this long').default('5s'))
    .action(action((kind: string, flags: FetchFlags) => runFetch(kind as 'x509' | 'jwt', flags)))
}

/** Fetches and prints; 0 on success, 1 on a Workload API error, 2 on bad usage. */
export async function runFetch(kind: 'x509' | 'jwt', flags: FetchFlags): Promise<number> {
  let address: EndpointAddress
  try {
    address = resolveEndpointAddress(flags.socket, process.env[ENDPOINT_SOCKET_ENV])
  } catch (err) {
    if (!isEngineError(err)) throw err
    process.stderr.write(`sigil workload fetch: ${err.message}\n`)
    return EXIT.other
  }
  const timeoutMs = parseDurationMs(flags.timeout)
  if (timeoutMs === undefined) {
    process.stderr.write(`sigil workload fetch: --timeout "${flags.timeout}" is not a duration\n`)
    return EXIT.other
  }
  if (kind === 'jwt' && flags.audience.length === 0) {
    process.stderr.write('sigil workload fetch: jwt needs at least one --audience\n')
    return EXIT.other
  }
  const client = new WorkloadApiClient(address.target, { timeoutMs })
  const started = performance.now()
  try {
    if (kind === 'x509') {
      const message = await client.fetchX509Svid()
      printX509(message, flags, performance.now() - started)
    } else {
      const reply = await client.fetchJwtSvid(flags.audience, flags.spiffeId ?? '')
      const bundles = await client.fetchJwtBundles()
      printJwt(reply.svids, bundles.bundles, flags, performance.now() - started)
    }
    return EXIT.ok
  } catch (err) {
    const e = err as ServiceError
    const name = typeof e.code === 'number' ? (grpcStatus[e.code] ?? String(e.code)) : 'ERROR'
    process.stderr.write(`sigil workload fetch: ${name}: ${e.details ?? e.message}\n`)
    return EXIT.failure
  } finally {
    client.close()
  }
}

function describeCert(der: Buffer): { subject: string; notBefore: string; notAfter: string } {
  const cert = new X509Certificate(der)
  const iso = (s: string) => new Date(s).toISOString()
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    notBefore: iso(cert.validFrom),
    notAfter: iso(cert.validTo),
  }
}

function toPem(label: string, ders: readonly Buffer[]): string {
  return ders
    .map((der) => {
      const lines = der.toString('base64').match(/.{1,64}/g) ?? []
      return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
    })
    .join('')
}

function printX509(message: X509SvidMessage, flags: FetchFlags, elapsedMs: number): void {
  const svids = message.svids.map((svid) => ({
    svid,
    chain: splitDer(svid.x509_svid),
    authorities: splitDer(svid.bundle),
  }))
  if (flags.out !== undefined) writeX509Files(flags.out, svids)
  if (flags.json) {
    const out = {
      svids: svids.map(({ svid, chain, authorities }) => ({
        spiffeId: svid.spiffe_id,
        hint: svid.hint,
        ...describeCert(chain[0]!),
        chainLength: chain.length,
        bundleAuthorities: authorities.length,
      })),
      federatedBundles: Object.keys(message.federated_bundles).sort(),
    }
    process.stdout.write(`${JSON.stringify(out)}\n`)
    return
  }
  const lines = [
    `Received ${svids.length} svid${svids.length === 1 ? '' : 's'} after ${elapsedMs.toFixed(1)}ms`,
  ]
  for (const { svid, chain, authorities } of svids) {
    const leaf = describeCert(chain[0]!)
    lines.push('', `SPIFFE ID:\t\t${svid.spiffe_id}`)
    if (svid.hint !== '') lines.push(`Hint:\t\t\t${svid.hint}`)
    lines.push(`SVID Valid After:\t${leaf.notBefore}`, `SVID Valid Until:\t${leaf.notAfter}`)
    chain.slice(1).forEach((der, i) => {
      const c = describeCert(der)
      lines.push(
        `Intermediate #${i + 1} Valid After:\t${c.notBefore}`,
        `Intermediate #${i + 1} Valid Until:\t${c.notAfter}`,
      )
    })
    authorities.forEach((der, i) => {
      const c = describeCert(der)
      lines.push(`CA #${i + 1} Valid After:\t${c.notBefore}`, `CA #${i + 1} Valid Until:\t${c.notAfter}`)
    })
  }
  const federated = Object.keys(message.federated_bundles).sort()
  if (federated.length > 0) lines.push('', `Federated bundles:\t${federated.join(', ')}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}

function writeX509Files(
  dir: string,
  svids: readonly { svid: X509SvidMessage['svids'][number]; chain: Buffer[]; authorities: Buffer[] }[],
): void {
  mkdirSync(dir, { recursive: true })
  svids.forEach(({ svid, chain, authorities }, i) => {
    const suffix = i === 0 ? '' : `.${i}`
    writeFileSync(join(dir, `svid${suffix}.pem`), toPem('CERTIFICATE', chain))
    writeFileSync(join(dir, `svid${suffix}.key.pem`), toPem('PRIVATE KEY', [svid.x509_svid_key]), {
      mode: 0o600,
    })
    writeFileSync(join(dir, `bundle${suffix}.pem`), toPem('CERTIFICATE', authorities))
    process.stderr.write(`wrote SVID #${i} (${svid.spiffe_id}) to ${dir}\n`)
  })
}

function printJwt(
  svids: readonly { spiffe_id: string; svid: string; hint: string }[],
  bundles: Record<string, Buffer>,
  flags: FetchFlags,
  elapsedMs: number,
): void {
  if (flags.json) {
    const out = {
      svids: svids.map((s) => ({ spiffeId: s.spiffe_id, hint: s.hint, token: s.svid })),
      bundles: Object.fromEntries(
        Object.entries(bundles).map(([td, jwks]) => [td, JSON.parse(jwks.toString('utf8')) as unknown]),
      ),
    }
    process.stdout.write(`${JSON.stringify(out)}\n`)
    return
  }
  const lines = [
    `Received ${svids.length} svid${svids.length === 1 ? '' : 's'} after ${elapsedMs.toFixed(1)}ms`,
  ]
  for (const s of svids) lines.push('', `token(${s.spiffe_id}):`, `\t${s.svid}`)
  for (const [td, jwks] of Object.entries(bundles).sort())
    lines.push('', `bundle(${td}):`, `\t${jwks.toString('utf8')}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}
