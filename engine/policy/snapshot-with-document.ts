/** A repository snapshot with one extra document, for policy test cases that add or replace an object. */
import { parseAllDocuments, stringify } from 'yaml'
import type { DesiredState, SourceSnapshot } from '../model/types.js'

type Raw = Readonly<Record<string, unknown>>

/**
 * `snapshot` plus `document` as a new file at `path`; a same-kind, same-name object of `desired`
 * (the model of `snapshot`) is blanked out of its file first, so the case replaces it.
 */
export function snapshotWithDocument(
  snapshot: SourceSnapshot,
  desired: DesiredState,
  document: Raw,
  path: string,
): SourceSnapshot {
  const replaced = findNamesake(desired, document)
  const files = snapshot.files.map((file) =>
    replaced && file.path === replaced.file
      ? { path: file.path, text: blankDocument(file.text, replaced.documentIndex) }
      : file,
  )
  return { ...snapshot, files: [...files, { path, text: stringify(document) }] }
}

function findNamesake(
  desired: DesiredState,
  document: Raw,
): { file: string; documentIndex: number } | undefined {
  const meta = document['metadata']
  const name = meta && typeof meta === 'object' ? (meta as Raw)['name'] : undefined
  const all = [
    ...(desired.trustDomain ? [desired.trustDomain] : []),
    ...desired.scopes,
    ...desired.roles,
    ...desired.entries,
    ...desired.nodes,
    ...desired.federationBundles,
    ...desired.policies,
  ]
  // A TrustDomain is unique per repository whatever its name, so a case's TrustDomain replaces it.
  const found = all.find(
    (o) => o.kind === document['kind'] && (o.kind === 'TrustDomain' || o.metadata.name === name),
  )
  return found?.source
}

/** Replaces every character of document `index` but its line breaks with spaces, keeping other lines in place. */
function blankDocument(text: string, index: number): string {
  const doc = parseAllDocuments(text)
  const target = Array.isArray(doc) ? doc[index] : undefined
  if (!target?.range) return text
  const [start, , end] = target.range
  return text.slice(0, start) + text.slice(start, end).replace(/[^\n]/g, ' ') + text.slice(end)
}
