/** Turning what went wrong in a cycle into the status form: a code, a message, small data; never secrets. */
import type { Diagnostic } from '../core/diagnostics.js'
import { isEngineError } from '../core/errors.js'
import type { ReconcileError } from './status.js'

/** Diagnostics listed in the status of a refused commit (the count is exact). */
const MAX_LISTED_DIAGNOSTICS = 20

/** An error in the status form; an unexpected (non-engine) error becomes ERR_SOURCE_IO with its message. */
export function toReconcileError(err: unknown): ReconcileError {
  if (isEngineError(err)) {
    return { code: err.code, message: err.message, data: { ...err.data } }
  }
  const message = err instanceof Error ? err.message : String(err)
  return { code: 'ERR_SOURCE_IO', message, data: { unexpected: true } }
}

/** A repository with lint or policy errors: ERR_MODEL_INVALID with the first findings and where they are. */
export function lintError(diagnostics: readonly Diagnostic[]): ReconcileError {
  const errors = diagnostics.filter((d) => d.severity === 'error')
  const policy = errors.filter((d) => d.code.startsWith('ERR_POLICY_')).length
  const first = errors[0]
  const where = first?.span ? ` at ${first.span.file}:${first.span.line}:${first.span.column}` : ''
  return {
    code: 'ERR_MODEL_INVALID',
    message: `the repository has ${errors.length} lint error(s) (${policy} from policies); first: ${first?.message ?? ''}${where}`,
    data: {
      errors: errors.length,
      policyErrors: policy,
      diagnostics: errors.slice(0, MAX_LISTED_DIAGNOSTICS).map((d) => ({
        code: d.code,
        message: d.message,
        ...(d.span ? { file: d.span.file, line: d.span.line, column: d.span.column } : {}),
        ...(d.rule ? { rule: d.rule } : {}),
      })),
    },
  }
}
