/**
 * The k8s_psat node attestor (spiffe-reference §6.4, §6.5, §7.5) without a TokenReview call: the
 * projected service-account token is a JWT verified with jose against the cluster's configured
 * issuer and JWKS, audience and expiry on the injected clock. It must be bound to a pod (and, for
 * node-UID agent IDs, carry the node claim of Kubernetes ≥ 1.30).
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import { EngineError } from '../core/errors.js'

/** One cluster's settings (server config `nodeAttestors.k8sPsat.clusters.<name>`). */
export interface K8sPsatClusterConfig {
  /** `ns:sa` pairs allowed to attest as agents. */
  readonly serviceAccountAllowList: readonly string[]
  /** Accepted `aud` values; default `["sigil-server"]`. */
  readonly audience?: readonly string[]
  /** Required `iss`, when set. */
  readonly issuer?: string
  /** Where the cluster's service-account signing keys are published (the API server's `/openid/v1/jwks`). */
  readonly jwksUrl?: string
  /** Or the JWKS inline. */
  readonly jwks?: JSONWebKeySet
  /** Agent ID `.../k8s_psat/<cluster>/pod/<pod UID>` instead of `.../<cluster>/<node UID>`. */
  readonly usePodUidForAgentId?: boolean
}

/** What a successful attestation yields. */
export interface AttestedK8sNode {
  readonly agentId: string
  /** `k8s_psat:<key>:<value>` node selectors. */
  readonly selectors: readonly string[]
}

/** A k8s_psat attestor over the configured clusters. */
export interface K8sPsatAttestor {
  attest(params: { cluster: string; token: string; nowMs: number }): Promise<AttestedK8sNode>
}

interface K8sClaims {
  namespace?: string
  serviceaccount?: { name?: string; uid?: string }
  pod?: { name?: string; uid?: string }
  node?: { name?: string; uid?: string }
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512']

function failed(reason: string, message: string, cause?: unknown): EngineError {
  return new EngineError('ERR_ATTEST_FAILED', `k8s_psat attestation failed: ${message}`, {
    cause,
    data: { reason },
  })
}

/** Builds the attestor; key sets are created once per cluster (jose caches remote JWKS). */
export function createK8sPsatAttestor(
  trustDomain: string,
  clusters: Readonly<Record<string, K8sPsatClusterConfig>>,
): K8sPsatAttestor {
  const keySets = new Map<string, JWTVerifyGetKey>()
  for (const [name, config] of Object.entries(clusters)) {
    if (config.jwks) keySets.set(name, createLocalJWKSet(config.jwks))
    else if (config.jwksUrl)
      keySets.set(name, createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5000 }))
    else throw new TypeError(`k8s_psat cluster ${name} needs jwksUrl or jwks`)
  }
  return {
    async attest({ cluster, token, nowMs }) {
      const config = clusters[cluster]
      const keys = keySets.get(cluster)
      if (!config || !keys) {
        throw new EngineError('ERR_API_INVALID_ARGUMENT', 'k8s_psat cluster is not configured', {
          data: { reason: 'cluster', cluster },
        })
      }
      let payload: JWTPayload
      try {
        const verified = await jwtVerify(token, keys, {
          algorithms: ALGORITHMS,
          audience: [...(config.audience ?? ['sigil-server'])],
          currentDate: new Date(nowMs),
          clockTolerance: 5,
          ...(config.issuer ? { issuer: config.issuer } : {}),
        })
        payload = verified.payload
      } catch (err) {
        throw failed('token', 'token not valid for the cluster', err)
      }
      const k8s = payload['kubernetes.io'] as K8sClaims | undefined
      const ns = k8s?.namespace
      const sa = k8s?.serviceaccount?.name
      if (!ns || !sa) throw failed('claims', 'token is not a service account token')
      if (!config.serviceAccountAllowList.includes(`${ns}:${sa}`)) {
        throw failed('service-account', 'service account is not allowed to attest')
      }
      const pod = k8s.pod
      if (!pod?.name || !pod.uid) throw failed('claims', 'token is not bound to a pod')
      const node = k8s.node
      const selectors = [
        `k8s_psat:cluster:${cluster}`,
        `k8s_psat:agent_ns:${ns}`,
        `k8s_psat:agent_sa:${sa}`,
        `k8s_psat:agent_pod_name:${pod.name}`,
        `k8s_psat:agent_pod_uid:${pod.uid}`,
        ...(node?.name ? [`k8s_psat:agent_node_name:${node.name}`] : []),
        ...(node?.uid ? [`k8s_psat:agent_node_uid:${node.uid}`] : []),
      ]
      let agentPath: string
      if (config.usePodUidForAgentId) agentPath = `${cluster}/pod/${pod.uid}`
      else if (node?.uid) agentPath = `${cluster}/${node.uid}`
      else
        throw failed('claims', 'token has no node claim (set usePodUidForAgentId for clusters before 1.30)')
      if (!/^[A-Za-z0-9._/-]+$/.test(agentPath))
        throw failed('claims', 'token claims are not valid path segments')
      return { agentId: `spiffe://${trustDomain}/spire/agent/k8s_psat/${agentPath}`, selectors }
    },
  }
}
