// A workload process for the e2e scenario (runs under its own uid, plain Node, built dist/):
//   watch                     stream FetchX509SVID; one JSON line per message, then {"end":code}
//   serve <peer-id>           fetch the SVID, serve mTLS on 127.0.0.1:0, accept only <peer-id>
//   connect <port> <peer-id>  fetch the SVID, connect over mTLS, accept only <peer-id>
//   jwt <audience>            fetch a JWT-SVID: {"token": …}
//   validate <audience> <jwt> ValidateJWTSVID: {"spiffeId": …} or {"invalid": code}
// TLS peers are verified against the SVID's own bundle plus every federated bundle it carries.
// Every line on stdout is JSON. The socket comes from SPIFFE_ENDPOINT_SOCKET (unix:///path).
import { X509Certificate } from 'node:crypto'
import { connect, createServer } from 'node:tls'
import { WorkloadApiClient } from '../../../dist/agent/workload-api/client.js'
import { splitDer } from '../../../dist/agent/workload-api/der.js'

const target = process.env.SPIFFE_ENDPOINT_SOCKET.replace(/^unix:\/\//, 'unix:')
const [mode, ...args] = process.argv.slice(2)
const out = (value) => process.stdout.write(`${JSON.stringify(value)}\n`)
const pem = (label, ders) =>
  ders
    .map(
      (d) =>
        `-----BEGIN ${label}-----\n${d
          .toString('base64')
          .match(/.{1,64}/g)
          .join('\n')}\n-----END ${label}-----\n`,
    )
    .join('')

function describe(message) {
  return message.svids.map((s) => {
    const leaf = new X509Certificate(splitDer(s.x509_svid)[0])
    return { spiffeId: s.spiffe_id, serial: leaf.serialNumber, san: leaf.subjectAltName ?? '' }
  })
}

/** The first X509-SVID, retrying PERMISSION_DENIED/UNAVAILABLE (not minted yet) for up to 20 s. */
async function fetchSvid() {
  const deadline = Date.now() + 20_000
  for (;;) {
    const client = new WorkloadApiClient(target, { timeoutMs: 5000 })
    try {
      const message = await client.fetchX509Svid()
      const svid = message.svids[0]
      return {
        spiffeId: svid.spiffe_id,
        cert: pem('CERTIFICATE', splitDer(svid.x509_svid)),
        key: pem('PRIVATE KEY', [svid.x509_svid_key]),
        // own trust domain first, then the foreign ones this identity federates with
        ca: [svid.bundle, ...Object.values(message.federated_bundles ?? {})]
          .map((b) => pem('CERTIFICATE', splitDer(b)))
          .join(''),
      }
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 200))
    } finally {
      client.close()
    }
  }
}

/** The peer's SPIFFE ID from its verified certificate's URI SAN. */
function peerId(socket) {
  const san = socket.getPeerCertificate().subjectaltname ?? ''
  return san
    .split(', ')
    .find((s) => s.startsWith('URI:'))
    ?.slice(4)
}

if (mode === 'watch') {
  const client = new WorkloadApiClient(target)
  client.watch(
    'FetchX509SVID',
    (message) =>
      out({ svids: describe(message), federated: Object.keys(message.federated_bundles ?? {}).sort() }),
    (err) => {
      out({ end: err?.code ?? 0 })
      client.close()
    },
  )
} else if (mode === 'serve') {
  const svid = await fetchSvid()
  const server = createServer(
    { cert: svid.cert, key: svid.key, ca: svid.ca, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      const peer = peerId(socket)
      if (peer !== args[0]) {
        out({ rejected: peer })
        socket.destroy()
        return
      }
      out({ accepted: peer })
      socket.end(`hello ${peer} from ${svid.spiffeId}\n`)
    },
  )
  server.listen(0, '127.0.0.1', () => out({ self: svid.spiffeId, port: server.address().port }))
} else if (mode === 'connect') {
  const svid = await fetchSvid()
  const socket = connect({
    host: '127.0.0.1',
    port: Number(args[0]),
    cert: svid.cert,
    key: svid.key,
    ca: svid.ca,
    checkServerIdentity: (_host, cert) => {
      const id = (cert.subjectaltname ?? '')
        .split(', ')
        .find((s) => s.startsWith('URI:'))
        ?.slice(4)
      return id === args[1] ? undefined : new Error(`unexpected server ${id}`)
    },
  })
  let text = ''
  socket.on('secureConnect', () => out({ self: svid.spiffeId, server: peerId(socket) }))
  socket.on('data', (d) => (text += d))
  socket.on('end', () => out({ reply: text.trim() }))
  socket.on('error', (err) => {
    out({ error: err.message })
    process.exitCode = 1
  })
} else if (mode === 'jwt') {
  const client = new WorkloadApiClient(target, { timeoutMs: 5000 })
  const message = await client.fetchJwtSvid([args[0]])
  out({ token: message.svids[0].svid })
  client.close()
} else if (mode === 'validate') {
  const client = new WorkloadApiClient(target, { timeoutMs: 5000 })
  try {
    out({ spiffeId: (await client.validateJwtSvid(args[0], args[1])).spiffeId })
  } catch (err) {
    out({ invalid: err.code ?? -1 })
  }
  client.close()
} else {
  process.stderr.write(`unknown mode ${mode}\n`)
  process.exit(2)
}
