/** SPIFFE IDs of Nodes, Entries and their parents: syntax, trust domain, reserved paths, resolution, cycles. */
import { closest } from '../../core/selector.js'
import {
  isAgentPath,
  isReservedPath,
  parseSpiffeId,
  serverSpiffeId,
  type SpiffeId,
} from '../../core/spiffe-id.js'
import type { DesiredState, EntryObject, NodeObject } from '../../model/types.js'
import type { Findings } from '../report.js'

type IdRole = 'spiffeID' | 'parentID'
type Parsed = ReturnType<typeof parseSpiffeId>

/** Parses parent IDs, each distinct string once: they repeat across thousands of entries. */
export function parentIdParser(): (raw: string) => Parsed {
  const cache = new Map<string, Parsed>()
  return (raw) => {
    let parsed = cache.get(raw)
    if (!parsed) cache.set(raw, (parsed = parseSpiffeId(raw)))
    return parsed
  }
}

/** Checks one ID; returns the parsed ID when it is usable for further rules. */
function checkId(
  f: Findings,
  object: EntryObject | NodeObject,
  field: IdRole,
  raw: string,
  trustDomain: string | undefined,
  parsed: Parsed,
): SpiffeId | undefined {
  const pointer = `/spec/${field}`
  if (!parsed.ok) {
    f.add(
      object,
      'ERR_MODEL_INVALID_SPIFFE_ID',
      pointer,
      `${field} "${raw}" is not a valid SPIFFE ID: ${parsed.reason}`,
    )
    return undefined
  }
  if (parsed.value.path === '') {
    f.add(
      object,
      'ERR_MODEL_INVALID_SPIFFE_ID',
      pointer,
      `${field} "${raw}" needs a path after the trust domain`,
    )
    return undefined
  }
  if (trustDomain !== undefined && parsed.value.trustDomain !== trustDomain) {
    f.add(
      object,
      'ERR_MODEL_FOREIGN_TRUST_DOMAIN',
      pointer,
      `${field} "${raw}" is in trust domain "${parsed.value.trustDomain}", not the repository's "${trustDomain}"`,
    )
    return undefined
  }
  return parsed.value
}

function checkOwnId(object: EntryObject | NodeObject, trustDomain: string | undefined, f: Findings): void {
  const raw = object.spec.spiffeId
  const id = checkId(f, object, 'spiffeID', raw, trustDomain, parseSpiffeId(raw))
  if (id && isReservedPath(id.path)) {
    f.add(
      object,
      'ERR_MODEL_RESERVED_PATH',
      '/spec/spiffeID',
      `spiffeID "${raw}" is under /spire/, which is reserved for agents and servers`,
    )
  }
}

/** The rules on a Node's own SPIFFE ID. */
export function checkNodeId(node: NodeObject, trustDomain: string | undefined, f: Findings): void {
  checkOwnId(node, trustDomain, f)
}

/**
 * The rules on an Entry's own SPIFFE ID and parent ID; returns true when the parent is a valid ID
 * outside /spire/ that must be a declared Node or Entry (checked across objects by `checkParents`).
 */
export function checkEntryIds(
  entry: EntryObject,
  trustDomain: string | undefined,
  f: Findings,
  parseParent: (raw: string) => Parsed,
): boolean {
  checkOwnId(entry, trustDomain, f)
  const raw = entry.spec.parentId
  const parent = checkId(f, entry, 'parentID', raw, trustDomain, parseParent(raw))
  if (!parent) return false
  if (!isReservedPath(parent.path)) return true
  if (!isAgentPath(parent.path) && raw !== serverSpiffeId(parent.trustDomain)) {
    f.add(
      entry,
      'ERR_MODEL_RESERVED_PATH',
      '/spec/parentID',
      `parentID "${raw}" is under /spire/ but is neither an agent ID (/spire/agent/<attestor>/...) nor the server ID (/spire/server)`,
    )
  }
  return false
}

/**
 * Parents that are neither a declared Node nor an Entry (`mustResolve[i]`: `checkEntryIds` of
 * `desired.entries[i]`), and parent chains that form cycles.
 */
export function checkParents(desired: DesiredState, mustResolve: readonly boolean[], f: Findings): void {
  const nodeIds = new Set(desired.nodes.map((n) => n.spec.spiffeId))
  const entryIds = new Set(desired.entries.map((e) => e.spec.spiffeId))
  const nodeList = [...nodeIds]
  desired.entries.forEach((entry, i) => {
    const raw = entry.spec.parentId
    if (!mustResolve[i] || nodeIds.has(raw) || entryIds.has(raw)) return
    const near = closest(raw, nodeList)
    f.add(
      entry,
      'ERR_MODEL_UNKNOWN_PARENT',
      '/spec/parentID',
      `parentID "${raw}" is not a declared Node or Entry, an agent ID or the server ID`,
      near ? `did you mean "${near}"?` : undefined,
    )
  })
  checkCycles(desired.entries, entryIds, f)
}

/** Entries whose parent chain (parentID → entries with that spiffeID → …) comes back to itself. */
function checkCycles(entries: readonly EntryObject[], ids: ReadonlySet<string>, f: Findings): void {
  const parentsOf = new Map<string, string[]>()
  for (const e of entries) {
    // only Entry → Entry edges can close a cycle
    if (!ids.has(e.spec.parentId)) continue
    const list = parentsOf.get(e.spec.spiffeId)
    if (list) list.push(e.spec.parentId)
    else parentsOf.set(e.spec.spiffeId, [e.spec.parentId])
  }
  // iterative DFS over IDs; colour 1 = on the stack, 2 = done
  const colour = new Map<string, number>()
  const inCycle = new Map<string, string[]>()
  for (const start of [...parentsOf.keys()].sort()) {
    if (colour.has(start)) continue
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }]
    colour.set(start, 1)
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: number }
      const parents = parentsOf.get(top.id) ?? []
      if (top.next >= parents.length) {
        colour.set(top.id, 2)
        stack.pop()
        continue
      }
      const p = parents[top.next++] as string
      const c = colour.get(p)
      if (c === 1) {
        const from = stack.findIndex((s) => s.id === p)
        const cycle = stack.slice(from).map((s) => s.id)
        for (const id of cycle) if (!inCycle.has(id)) inCycle.set(id, cycle)
      } else if (c === undefined && parentsOf.has(p)) {
        colour.set(p, 1)
        stack.push({ id: p, next: 0 })
      }
    }
  }
  for (const e of entries) {
    const cycle = inCycle.get(e.spec.spiffeId)
    if (!cycle || !cycle.includes(e.spec.parentId)) continue
    const i = cycle.indexOf(e.spec.spiffeId)
    const path = [...cycle.slice(i), ...cycle.slice(0, i), e.spec.spiffeId].join(' → ')
    f.add(e, 'ERR_MODEL_PARENT_CYCLE', '/spec/parentID', `parent chain forms a cycle: ${path}`)
  }
}
