/** The total, locale-free order of plan changes (STYLE.md example 6). */
import { KINDS, type Kind } from '../model/types.js'
import type { Change, ChangeAction } from './types.js'

/** Position of each kind in plan order (parents before children). */
export const KIND_ORDER: Readonly<Record<Kind, number>> = Object.fromEntries(
  KINDS.map((k, i) => [k, i]),
) as Record<Kind, number>

const ACTION_ORDER: Readonly<Record<ChangeAction, number>> = { delete: 0, create: 1, update: 2 }

/** Code-unit string order, independent of locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Orders changes by kind, key, then action and entry ID (two live duplicates can share a key). */
export function compareChanges(a: Change, b: Change): number {
  return (
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    compareStrings(a.key, b.key) ||
    ACTION_ORDER[a.action] - ACTION_ORDER[b.action] ||
    compareStrings(a.id ?? '', b.id ?? '')
  )
}
