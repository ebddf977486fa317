/**
 * Diagnostics: problems found in user input (the identity repository). They are collected, never
 * thrown, so one run reports every problem (zod, tfdiags).
 */

/** How bad a finding is. Errors fail lint and refuse plans; warnings do neither unless asked. */
export type Severity = 'error' | 'warning'

/** A 1-based, inclusive-start source range inside one file, relative to the repository root. */
export interface SourceSpan {
  /** Path relative to the linted directory, with forward slashes. */
  readonly file: string
  /** 1-based line of the first character. */
  readonly line: number
  /** 1-based column of the first character. */
  readonly column: number
  /** 1-based line of the end of the range. */
  readonly endLine: number
  /** 1-based column just past the last character. */
  readonly endColumn: number
}

/** One problem in user input. Part of the stable JSON output of `sigil lint`. */
export interface Diagnostic {
  /** Stable code, e.g. `ERR_MODEL_INVALID_SPIFFE_ID`; public API, never renamed. */
  readonly code: string
  readonly severity: Severity
  /** Lowercase, no trailing period. */
  readonly message: string
  /** JSON pointer into the document at fault, e.g. `/spec/selectors/1`; `''` for the whole document. */
  readonly path: string
  /** Where in the repository; absent for problems with no place (e.g. "no TrustDomain declared"). */
  readonly span?: SourceSpan
  /** Policy or rule id for policy findings and waivable rules, e.g. `sigil.no-wildcard-scopes`. */
  readonly rule?: string
  /** A suggested fix, e.g. "did you mean `k8s:ns`?". */
  readonly hint?: string
  /** `kind/name` of the object the finding is about, when there is one. */
  readonly object?: string
}

/** Result of a stage that checks user input: a value and warnings, or only diagnostics. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] }

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error')
}

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0)

/** Total, locale-free order: file, line, column, code, message. Diagnostics without a span sort first. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    cmp(a.span?.file ?? '', b.span?.file ?? '') ||
    cmp(a.span?.line ?? 0, b.span?.line ?? 0) ||
    cmp(a.span?.column ?? 0, b.span?.column ?? 0) ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  )
}
