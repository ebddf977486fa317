/**
 * Who is calling: the connection's kernel credentials, then every workload attestor, with the pid
 * checked against the start time captured at accept before and after attestation (pid reuse guard).
 */
import { EngineError } from '../../engine/core/errors.js'
import type { WorkloadAttestor } from '../workload-attestors/attestor.js'
import type { PeerConnection } from './peer-listener.js'

export interface AttestCallerDeps {
  readonly attestors: readonly WorkloadAttestor[]
  readonly processStartTime: (pid: number) => string | undefined
}

/**
 * The caller's selector set. Rejects with `ERR_WORKLOAD_PEER_CREDENTIALS` for a connection without
 * recorded credentials and `ERR_WORKLOAD_ATTESTATION_FAILED` when an attestor fails or the pid no
 * longer names the process that connected.
 */
export async function attestCaller(
  connection: PeerConnection | undefined,
  deps: AttestCallerDeps,
): Promise<ReadonlySet<string>> {
  if (connection === undefined) {
    throw new EngineError('ERR_WORKLOAD_PEER_CREDENTIALS', 'no peer credentials for this connection')
  }
  const { pid } = connection.credentials
  assertSameProcess(connection, deps)
  let results: string[][]
  try {
    results = await Promise.all(deps.attestors.map((attestor) => attestor.attest(pid)))
  } catch (err) {
    if (err instanceof EngineError) throw err
    throw new EngineError('ERR_WORKLOAD_ATTESTATION_FAILED', 'workload attestation failed', { cause: err })
  }
  assertSameProcess(connection, deps)
  const selectors = new Set<string>()
  for (const list of results) for (const s of list) selectors.add(s)
  return selectors
}

function assertSameProcess(connection: PeerConnection, deps: AttestCallerDeps): void {
  if (deps.processStartTime(connection.credentials.pid) !== connection.startTime) {
    throw new EngineError('ERR_WORKLOAD_ATTESTATION_FAILED', 'caller process exited or its pid was reused', {
      data: { pid: connection.credentials.pid },
    })
  }
}
