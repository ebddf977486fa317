/** What every workload attestor offers the Workload API: selectors for a process ID. */
import { EngineError } from '../../engine/core/errors.js'

/** A workload attestor bound to its configuration and OS hooks. */
export interface WorkloadAttestor {
  /** Selector type it emits (`unix`, `k8s`, `docker`). */
  readonly type: string
  /**
   * Selectors (`type:value`, spiffe-reference §6.4) for the process `pid`; `[]` when the process is
   * not the kind this attestor knows (e.g. not in a container). Rejects with
   * `ERR_WORKLOAD_ATTESTATION_FAILED` when it should know the process but cannot say what it is.
   */
  attest(pid: number): Promise<string[]>
}

/** The error every attestor rejects with; `data.attestor` names it. */
export function attestationFailed(attestor: string, message: string, cause?: unknown): EngineError {
  return new EngineError('ERR_WORKLOAD_ATTESTATION_FAILED', `${attestor} attestation: ${message}`, {
    cause,
    data: { attestor },
  })
}

/** Parses `name:x:id:...` lines of /etc/passwd or /etc/group into id → name (first name wins). */
export function parseIdNames(text: string): Map<number, string> {
  const names = new Map<number, string>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(':')
    const name = fields[0]
    const id = Number(fields[2])
    if (name && fields[2] !== '' && Number.isInteger(id) && !names.has(id)) names.set(id, name)
  }
  return names
}
