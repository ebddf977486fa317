import type { Diagnostic } from '../core/diagnostics.js'
import type { ModelResult } from '../model/model-result.js'
import type { AnyObject } from '../model/types.js'
import type { ValidateCode } from './codes.js'

/** Collects semantic findings about objects, each with the object's label, a JSON pointer and a span. */
export class Findings {
  readonly diagnostics: Diagnostic[] = []

  constructor(private readonly locate: ModelResult['locate']) {}

  /** Adds an error about `object` at `pointer` (YAML field names). */
  add(object: AnyObject, code: ValidateCode, pointer: string, message: string, hint?: string): void {
    this.diagnostics.push({
      code,
      severity: 'error',
      message,
      path: pointer,
      span: this.locate(object.source, pointer),
      object: `${object.kind}/${object.metadata.name}`,
      ...(hint ? { hint } : {}),
    })
  }
}
