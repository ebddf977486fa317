import type { Diagnostic, SourceSpan } from '../core/diagnostics.js'
import type { DesiredState, ObjectSource } from './types.js'

/** What `parseModel` returns: every document that passed the schema, all diagnostics so far, and a span locator. */
export interface ModelResult {
  readonly desired: DesiredState
  /** YAML syntax, schema and duplicate-name problems, each with its span. */
  readonly diagnostics: readonly Diagnostic[]
  /**
   * The span of the node at `pointer` (a JSON pointer into the document as written, e.g.
   * `/spec/selectors/1`; use the YAML key names such as `spiffeID`) inside the object's document; falls
   * back to the nearest existing parent, then to the whole document.
   */
  locate(source: ObjectSource, pointer: string): SourceSpan
}
