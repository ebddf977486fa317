/** Entry-to-workload matching (spiffe-reference §6.4). PURE. */

/** True when every entry selector is in the workload's attested set (entry ⊆ workload); never for no selectors. */
export function entryMatches(
  entrySelectors: readonly string[],
  workloadSelectors: ReadonlySet<string>,
): boolean {
  if (entrySelectors.length === 0) return false
  for (const selector of entrySelectors) if (!workloadSelectors.has(selector)) return false
  return true
}
