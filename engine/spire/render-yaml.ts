/** Renders plain documents as one multi-document YAML file with comments. Pure. */
import { Document, isScalar, parse, visit } from 'yaml'

/** One document: plain data, and a comment written above it (each line after `#`). */
export interface YamlDocument {
  readonly comment?: string
  readonly body: Readonly<Record<string, unknown>>
}

/** True when a plain (unquoted) `text` would read back as something else under YAML 1.1 or 1.2. */
function isAmbiguous(text: string): boolean {
  try {
    return (
      parse(text, { version: '1.1', logLevel: 'silent' }) !== text ||
      parse(text, { version: '1.2', logLevel: 'silent' }) !== text
    )
  } catch {
    return true
  }
}

/** `header` above the first document, documents separated by `---`; long strings are never folded. */
export function renderYamlFile(header: string, documents: readonly YamlDocument[]): string {
  const parts = documents.map((d, i) => {
    const doc = new Document(d.body)
    // quote strings that any YAML reader (1.1 timestamps and booleans, 1.2 octals) could misread
    visit(doc, {
      Scalar(_key, node) {
        if (isScalar(node) && typeof node.value === 'string' && isAmbiguous(node.value))
          node.type = 'QUOTE_DOUBLE'
      },
    })
    const comments = [...(i === 0 ? [` ${header}`] : []), ...(d.comment === undefined ? [] : [d.comment])]
    if (comments.length > 0) doc.commentBefore = comments.join('\n')
    return doc.toString({ lineWidth: 0 })
  })
  return parts.join('---\n')
}
