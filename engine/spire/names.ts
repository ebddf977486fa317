/** Stable object names and file layout for imported entries. Pure. */

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Path segments of a SPIFFE ID (`spiffe://td/a/b` → `['a', 'b']`). */
function segments(spiffeId: string): string[] {
  const rest = spiffeId.slice('spiffe://'.length)
  const slash = rest.indexOf('/')
  return slash < 0 ? [] : rest.slice(slash + 1).split('/')
}

/** The name an ID suggests: its path segments joined with `-` (`/ns/prod/sa/web` → `ns-prod-sa-web`). */
export function baseName(spiffeId: string): string {
  const parts = segments(spiffeId)
  return parts.length === 0 ? 'root' : parts.join('-')
}

/**
 * Names for `items` (each with a sort key and a base name), unique among them: a base used once is
 * kept; repeated bases go, in sort-key order, to `base`, `base-2`, `base-3`… skipping names already taken.
 * The result does not depend on the order of `items`.
 */
export function assignNames(items: readonly { readonly sortKey: string; readonly base: string }[]): string[] {
  const count = new Map<string, number>()
  for (const { base } of items) count.set(base, (count.get(base) ?? 0) + 1)
  const taken = new Set(items.map((i) => i.base))
  const next = new Map<string, number>()
  const order = items.map((_, i) => i).sort((a, b) => cmp(items[a]?.sortKey ?? '', items[b]?.sortKey ?? ''))
  const names: string[] = new Array<string>(items.length)
  for (const i of order) {
    const base = (items[i] as { base: string }).base
    if (count.get(base) === 1) {
      names[i] = base
      continue
    }
    let n = next.get(base) ?? 1
    let name = n === 1 ? base : `${base}-${n}`
    while (n > 1 && taken.has(name)) name = `${base}-${++n}`
    next.set(base, n + 1)
    taken.add(name)
    names[i] = name
  }
  return names
}

/**
 * The file an Entry goes to: `entries/<first path segment>.yaml`, lowercased so case-insensitive file
 * systems never see two names for one file, and never hidden (`.x`) or taken for a policy test (`x.test`).
 */
export function entryFileFor(spiffeId: string): string {
  let stem = (segments(spiffeId)[0] ?? 'root').toLowerCase()
  if (stem.startsWith('.')) stem = `_${stem}`
  if (stem.endsWith('.test')) stem = `${stem}_`
  return `entries/${stem}.yaml`
}

/** Files of an import, in this order. */
export const IMPORT_FILES = {
  trustDomain: 'trust-domain.yaml',
  federation: 'federation.yaml',
  nodes: 'nodes.yaml',
} as const
