/**
 * mTLS for the agent API: a client chain is verified once per connection against the CA's current
 * X.509 authorities (on the injected clock), and every call then checks that the SVID has not
 * expired and that its agent ID is an attested node that is not banned.
 */
import type { CertificateAuthority } from '../ca/certificate-authority.js'
import { readCertificate } from '../ca/certificate-der.js'
import { verifyX509Svid } from '../ca/verify-x509-svid.js'
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import { isAgentPath, parseSpiffeId } from '../core/spiffe-id.js'
import type { AttestedNode, NodeStore } from '../store/node-store.js'

/** The verified client certificate of a connection. */
export interface VerifiedPeer {
  readonly agentId: string
  /** Lowercase hex serial of the presented SVID. */
  readonly serial: string
  readonly notAfterMs: number
}

function unauthenticated(reason: string, message: string): EngineError {
  return new EngineError('ERR_API_UNAUTHENTICATED', message, { data: { reason } })
}

/** A verifier for the TLS listener: chain → agent identity, or ERR_API_UNAUTHENTICATED. */
export function agentPeerVerifier(ca: CertificateAuthority, clock: Clock) {
  return async (chainDer: readonly Buffer[]): Promise<VerifiedPeer> => {
    let verified
    try {
      verified = await verifyX509Svid(
        chainDer,
        (td) => (td === ca.trustDomain ? ca.bundle().x509Authorities : undefined),
        clock.now(),
      )
    } catch {
      throw unauthenticated('certificate', 'client certificate is not a valid x509-svid of this trust domain')
    }
    const id = parseSpiffeId(verified.spiffeId)
    if (!id.ok || !isAgentPath(id.value.path))
      throw unauthenticated('not-agent', 'client certificate is not an agent svid')
    const leaf = readCertificate(chainDer[0] as Buffer)
    return { agentId: verified.spiffeId, serial: leaf.serial.toString('hex'), notAfterMs: leaf.notAfterMs }
  }
}

/** Checks that `agentId` is an attested node that is not banned; returns its record. */
export async function checkAttestedNode(nodes: NodeStore, agentId: string): Promise<AttestedNode> {
  const node = await nodes.fetchAttestedNode(agentId)
  if (node?.banned) {
    throw new EngineError('ERR_ATTEST_BANNED', 'agent is banned', { data: { reason: 'banned' } })
  }
  if (!node || node.attestationType === ('' as string)) {
    throw unauthenticated('not-attested', 'agent is not attested')
  }
  return node
}

/** The calling agent of an mTLS call, or ERR_API_UNAUTHENTICATED / ERR_ATTEST_BANNED. */
export async function authenticateAgent(
  peer: Promise<VerifiedPeer> | undefined,
  nodes: NodeStore,
  nowMs: number,
): Promise<AttestedNode> {
  if (!peer) throw unauthenticated('no-certificate', 'an agent x509-svid is required')
  const verified = await peer
  if (nowMs >= verified.notAfterMs) throw unauthenticated('expired', 'agent svid expired')
  return checkAttestedNode(nodes, verified.agentId)
}
