/**
 * Selectors (`type:value`, split at the first colon) and the catalog of what each attestor emits
 * (spiffe-reference §6.4), used by lint to catch typos such as `k8s:namespace:x` with a "did you mean".
 */

/** A parsed selector. */
export interface Selector {
  readonly type: string
  readonly value: string
}

/** Whether an attestor runs on the agent for workloads, or on the server for nodes. */
export type AttestorRole = 'workload' | 'node'

interface KeySpec {
  /** `key:value` forms such as `pod-label:<k>:<v>` take a sub-key before the value. */
  readonly pair?: boolean
  readonly pattern?: RegExp
  readonly describe?: string
}

interface AttestorSpec {
  readonly role: AttestorRole
  /** Valid first segments of the value; `undefined` means the value has no key (e.g. `spiffe_id:<id>`). */
  readonly keys?: Readonly<Record<string, KeySpec>>
  /** For attestors that emit no selectors at all. */
  readonly emitsNone?: string
}

const NUMBER: KeySpec = { pattern: /^\d+$/, describe: 'a decimal number' }
const ANY: KeySpec = {}
const PAIR: KeySpec = { pair: true }

/** The selector catalog: attestor type → keys it emits. */
export const SELECTOR_CATALOG: Readonly<Record<string, AttestorSpec>> = {
  unix: {
    role: 'workload',
    keys: {
      uid: NUMBER,
      user: ANY,
      gid: NUMBER,
      group: ANY,
      supplementary_gid: NUMBER,
      supplementary_group: ANY,
      path: { pattern: /^\//, describe: 'an absolute path' },
      sha256: { pattern: /^[0-9a-f]{64}$/, describe: '64 lowercase hex digits' },
    },
  },
  k8s: {
    role: 'workload',
    keys: {
      ns: ANY,
      sa: ANY,
      'pod-name': ANY,
      'pod-uid': ANY,
      'pod-label': PAIR,
      'pod-owner': ANY,
      'pod-owner-uid': ANY,
      'container-name': ANY,
      'container-image': ANY,
      'pod-image': ANY,
      'pod-image-count': NUMBER,
      'pod-init-image': ANY,
      'pod-init-image-count': NUMBER,
      'node-name': ANY,
      'ns-label': PAIR,
    },
  },
  docker: {
    role: 'workload',
    keys: {
      label: PAIR,
      env: { pattern: /^[^=]+=/, describe: 'VAR=value' },
      image_id: ANY,
      image_config_digest: ANY,
    },
  },
  k8s_psat: {
    role: 'node',
    keys: {
      cluster: ANY,
      agent_ns: ANY,
      agent_sa: ANY,
      agent_pod_name: ANY,
      agent_pod_uid: ANY,
      agent_node_ip: ANY,
      agent_node_name: ANY,
      agent_node_uid: ANY,
      agent_pod_label: PAIR,
      agent_node_label: PAIR,
    },
  },
  join_token: {
    role: 'node',
    emitsNone:
      'the join_token attestor emits no selectors; parent entries on spiffe://<td>/spire/agent/join_token/<token> instead',
  },
  spiffe_id: { role: 'node' },
}

/** Common misspellings that edit distance alone would not map well. */
const ALIASES: Readonly<Record<string, string>> = {
  'k8s:namespace': 'k8s:ns',
  'k8s:serviceaccount': 'k8s:sa',
  'k8s:service-account': 'k8s:sa',
  'k8s:service_account': 'k8s:sa',
  'k8s:label': 'k8s:pod-label',
  'k8s:container': 'k8s:container-name',
  'k8s:image': 'k8s:container-image',
  'k8s:node': 'k8s:node-name',
  'k8s:pod': 'k8s:pod-name',
  'unix:username': 'unix:user',
  'unix:groupname': 'unix:group',
  'docker:image': 'docker:image_id',
  'k8s_psat:namespace': 'k8s_psat:agent_ns',
  'k8s_psat:service_account': 'k8s_psat:agent_sa',
}

/** Problem found in one selector string, with an optional suggestion. */
export interface SelectorProblem {
  readonly code:
    | 'ERR_MODEL_SELECTOR_SYNTAX'
    | 'ERR_MODEL_SELECTOR_UNKNOWN_TYPE'
    | 'ERR_MODEL_SELECTOR_UNKNOWN_KEY'
    | 'ERR_MODEL_SELECTOR_VALUE'
  readonly message: string
  readonly hint?: string
}

/** Splits `type:value` at the first colon; `undefined` when either side is empty. */
export function parseSelector(text: string): Selector | undefined {
  const colon = text.indexOf(':')
  if (colon <= 0 || colon === text.length - 1) return undefined
  return { type: text.slice(0, colon), value: text.slice(colon + 1) }
}

/** `type:value`. */
export function formatSelector(s: Selector): string {
  return `${s.type}:${s.value}`
}

/** Sorts selector strings by type then value (SPIRE's order), without duplicates. */
export function sortSelectors(selectors: readonly string[]): string[] {
  return [...new Set(selectors)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** The role of the attestor that emits this selector type, or `undefined` for an unknown type. */
export function selectorRole(type: string): AttestorRole | undefined {
  return SELECTOR_CATALOG[type]?.role
}

/** Checks one selector string against the catalog. Returns `undefined` when it is fine. */
export function checkSelector(text: string): SelectorProblem | undefined {
  const s = parseSelector(text)
  if (!s) {
    return { code: 'ERR_MODEL_SELECTOR_SYNTAX', message: `selector "${text}" is not of the form type:value` }
  }
  const spec = SELECTOR_CATALOG[s.type]
  if (!spec) {
    const near = closest(s.type, Object.keys(SELECTOR_CATALOG))
    return {
      code: 'ERR_MODEL_SELECTOR_UNKNOWN_TYPE',
      message: `selector type "${s.type}" is not emitted by any known attestor (${Object.keys(SELECTOR_CATALOG).join(', ')})`,
      ...(near ? { hint: `did you mean "${near}:${s.value}"?` } : {}),
    }
  }
  if (spec.emitsNone) return { code: 'ERR_MODEL_SELECTOR_UNKNOWN_TYPE', message: spec.emitsNone }
  if (!spec.keys) return undefined
  const colon = s.value.indexOf(':')
  const key = colon === -1 ? s.value : s.value.slice(0, colon)
  const rest = colon === -1 ? undefined : s.value.slice(colon + 1)
  const keySpec = spec.keys[key]
  if (!keySpec) {
    const suggestion = ALIASES[`${s.type}:${key}`] ?? prefixed(s.type, closest(key, Object.keys(spec.keys)))
    return {
      code: 'ERR_MODEL_SELECTOR_UNKNOWN_KEY',
      message: `the ${s.type} attestor emits no "${key}" selector (it emits ${Object.keys(spec.keys).join(', ')})`,
      ...(suggestion ? { hint: `did you mean "${suggestion}${rest === undefined ? '' : `:${rest}`}"?` } : {}),
    }
  }
  if (rest === undefined || rest === '') {
    return {
      code: 'ERR_MODEL_SELECTOR_VALUE',
      message: `selector "${text}" has no value after "${s.type}:${key}:"`,
    }
  }
  if (keySpec.pair && !/^[^:]+:/.test(rest)) {
    return {
      code: 'ERR_MODEL_SELECTOR_VALUE',
      message: `selector "${text}" needs the form ${s.type}:${key}:<key>:<value>`,
    }
  }
  if (keySpec.pattern && !keySpec.pattern.test(rest)) {
    return {
      code: 'ERR_MODEL_SELECTOR_VALUE',
      message: `selector "${text}": ${key} must be ${keySpec.describe}`,
    }
  }
  return undefined
}

function prefixed(type: string, key: string | undefined): string | undefined {
  return key === undefined ? undefined : `${type}:${key}`
}

/** The candidate nearest to `word` by edit distance (ignoring `-`/`_` differences), if close enough. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '')
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = editDistance(norm(word), norm(candidate))
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3))
  return bestDistance <= limit ? best : undefined
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
    }
    prev = cur
  }
  return prev[b.length] as number
}
