/**
 * Which entries an agent may obtain SVIDs for (PURE; spiffe-reference §6.5, SPIRE's
 * authorizedentries cache): entries parented to the agent ID, to an alias the agent belongs to, or
 * to the SPIFFE ID of an entry already collected, recursively and cycle-safe. Entries whose SPIFFE
 * ID or parent lies outside the trust domain are ignored.
 */
import type { LiveEntry } from '../plan/types.js'

/** Entries indexed once per store revision and shared by every agent. */
export interface AuthorizedEntryIndex {
  readonly trustDomain: string
  /** Workload entries by parent ID. */
  readonly byParent: ReadonlyMap<string, readonly LiveEntry[]>
  /** Node aliases: entries parented to `spiffe://<td>/spire/server`. */
  readonly aliases: readonly LiveEntry[]
  readonly byId: ReadonlyMap<string, LiveEntry>
}

/** What the authorization depends on about an agent. */
export interface AgentIdentity {
  readonly agentId: string
  /** Node selectors `type:value` (include `spiffe_id:<agentId>`). */
  readonly selectors: readonly string[]
  /** Extra parents that reach this agent (join token `--spiffe-id`). */
  readonly aliasIds?: readonly string[]
}

function inTrustDomain(id: string, prefix: string): boolean {
  return id.startsWith(prefix) && id.length > prefix.length
}

/** Indexes `entries` (any order) by parent; O(n). */
export function indexEntries(entries: readonly LiveEntry[], trustDomain: string): AuthorizedEntryIndex {
  const prefix = `spiffe://${trustDomain}/`
  const serverId = `spiffe://${trustDomain}/spire/server`
  const byParent = new Map<string, LiveEntry[]>()
  const aliases: LiveEntry[] = []
  const byId = new Map<string, LiveEntry>()
  for (const entry of entries) {
    if (!inTrustDomain(entry.spiffeId, prefix) || !inTrustDomain(entry.parentId, prefix)) continue
    if (entry.parentId === serverId) {
      aliases.push(entry)
      continue
    }
    byId.set(entry.id, entry)
    const list = byParent.get(entry.parentId)
    if (list) list.push(entry)
    else byParent.set(entry.parentId, [entry])
  }
  return { trustDomain, byParent, aliases, byId }
}

/** Entries changed since an index was built: as they are now, and the IDs deleted. */
export interface EntryIndexChanges {
  readonly entries: readonly LiveEntry[]
  readonly deletedEntryIds: readonly string[]
}

/**
 * A new index for the entries of `index` with `changes` applied, authorizing exactly what
 * `indexEntries` of the whole changed list would; `index` itself is left as it was. Only the changes
 * are indexed and only the parent lists they touch are copied (the maps are copied as they are).
 */
export function updateEntryIndex(
  index: AuthorizedEntryIndex,
  changes: EntryIndexChanges,
): AuthorizedEntryIndex {
  const gone = new Set(changes.deletedEntryIds)
  for (const e of changes.entries) gone.add(e.id)
  const byId = new Map(index.byId)
  // parent lists are shared with `index`: the touched ones are copied once, then edited
  const copies = new Map<string, LiveEntry[]>()
  const listOf = (parentId: string): LiveEntry[] => {
    let list = copies.get(parentId)
    if (!list) copies.set(parentId, (list = [...(index.byParent.get(parentId) ?? [])]))
    return list
  }
  for (const id of gone) {
    const old = byId.get(id)
    if (!old) continue
    byId.delete(id)
    const list = listOf(old.parentId)
    const at = list.indexOf(old)
    if (at >= 0) list.splice(at, 1)
  }
  const aliases = index.aliases.filter((a) => !gone.has(a.id))
  const fresh = indexEntries(changes.entries, index.trustDomain)
  aliases.push(...fresh.aliases)
  for (const [id, entry] of fresh.byId) {
    byId.set(id, entry)
    listOf(entry.parentId).push(entry)
  }
  const byParent = new Map(index.byParent)
  for (const [parentId, list] of copies) {
    if (list.length > 0) byParent.set(parentId, list)
    else byParent.delete(parentId)
  }
  return { trustDomain: index.trustDomain, byParent, aliases, byId }
}

/** The node aliases (their SPIFFE IDs) whose selectors are all among the agent's node selectors. */
export function matchingAliases(index: AuthorizedEntryIndex, selectors: readonly string[]): string[] {
  const have = new Set(selectors)
  return index.aliases
    .filter((alias) => alias.selectors.length > 0 && alias.selectors.every((s) => have.has(s)))
    .map((alias) => alias.spiffeId)
}

/** The entries authorized for `agent`, sorted by ID, each once. */
export function authorizedEntries(index: AuthorizedEntryIndex, agent: AgentIdentity): LiveEntry[] {
  const roots = [agent.agentId, ...(agent.aliasIds ?? []), ...matchingAliases(index, agent.selectors)]
  const visited = new Set<string>()
  const found = new Map<string, LiveEntry>()
  const queue: string[] = []
  for (const root of roots) {
    if (!visited.has(root)) {
      visited.add(root)
      queue.push(root)
    }
  }
  // breadth-first over parent → children; `visited` on SPIFFE IDs makes cycles terminate
  for (let i = 0; i < queue.length; i++) {
    for (const child of index.byParent.get(queue[i] as string) ?? []) {
      found.set(child.id, child)
      if (!visited.has(child.spiffeId)) {
        visited.add(child.spiffeId)
        queue.push(child.spiffeId)
      }
    }
  }
  return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
