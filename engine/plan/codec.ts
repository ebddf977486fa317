/** Plan ⇄ JSON text: the saved plan file (`sigil plan -o plan.json`), format version 1. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { EngineError } from '../core/errors.js'
import planSchema from '../../schema/plan.schema.json' with { type: 'json' }
import { canonicalPlanFile, computePlanDigest } from './canonical-plan.js'
import { compareChanges } from './order.js'
import { UNMANAGED_CONFLICT } from './plan-entries.js'
import type { Plan } from './types.js'

/** The only plan format version this build reads and writes. */
export const PLAN_FORMAT_VERSION = 1

/**
 * Stable JSON text of a plan (docs/plan-format.md): fixed key order, 2-space indent, trailing
 * newline, with a `planDigest` of the content so that `decodePlan` can detect damage or edits.
 */
export function encodePlan(plan: Plan): string {
  return `${JSON.stringify(canonicalPlanFile(plan), null, 2)}\n`
}

let validator: ValidateFunction | undefined

function validatePlanSchema(value: unknown): readonly ErrorObject[] {
  validator ??= new Ajv({ strict: true, strictRequired: false, allErrors: false, logger: false }).compile(
    planSchema,
  )
  return validator(value) ? [] : (validator.errors ?? [])
}

function corrupt(message: string, data: Record<string, unknown>, cause?: unknown): EngineError {
  return new EngineError('ERR_PLAN_CORRUPT', message, { data, cause })
}

/**
 * Parses and checks a saved plan. Throws `ERR_PLAN_FORMAT_VERSION` (data `{formatVersion,
 * supported}`) for another format version and `ERR_PLAN_CORRUPT` (data `{reason, …}`, reason one of
 * `json`, `shape`, `schema`, `order`, `summary`, `access`, `digest`) for anything else wrong.
 */
export function decodePlan(text: string): Plan {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw corrupt('plan file is not valid json', { reason: 'json' }, err)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('formatVersion' in value)) {
    throw corrupt('plan file is not a sigil plan', { reason: 'shape' })
  }
  if (value.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new EngineError(
      'ERR_PLAN_FORMAT_VERSION',
      `plan format version ${JSON.stringify(value.formatVersion)} is not supported (this sigil reads version ${PLAN_FORMAT_VERSION})`,
      { data: { formatVersion: value.formatVersion, supported: [PLAN_FORMAT_VERSION] } },
    )
  }
  const errors = validatePlanSchema(value)
  if (errors.length > 0) {
    const first = errors[0] as ErrorObject
    throw corrupt(
      `plan file does not match the plan schema at ${first.instancePath || '/'}: ${first.message ?? ''}`,
      {
        reason: 'schema',
        errors: errors.map((e) => ({ path: e.instancePath, message: e.message ?? '' })),
      },
    )
  }
  const { planDigest, ...plan } = value as unknown as Plan & { readonly planDigest: string }
  checkConsistency(plan, planDigest)
  return plan
}

/** The checks a schema cannot express: order, counts and the digest. */
function checkConsistency(plan: Plan, planDigest: string): void {
  for (let i = 1; i < plan.changes.length; i++) {
    if (
      compareChanges(
        plan.changes[i - 1] as Plan['changes'][number],
        plan.changes[i] as Plan['changes'][number],
      ) >= 0
    ) {
      throw corrupt('plan changes are not in plan order', { reason: 'order', index: i })
    }
  }
  const counted = { create: 0, update: 0, delete: 0 }
  for (const c of plan.changes) counted[c.action]++
  const { summary } = plan
  const conflicts = plan.diagnostics.filter((d) => d.code === UNMANAGED_CONFLICT).length
  if (
    counted.create !== summary.create ||
    counted.update !== summary.update ||
    counted.delete !== summary.delete ||
    (summary.conflicts !== undefined && summary.conflicts !== conflicts)
  ) {
    throw corrupt('plan summary does not match its changes', { reason: 'summary', counted, summary })
  }
  if (plan.widensAccess !== plan.accessChanges.some((a) => a.gained.length > 0)) {
    throw corrupt('plan widensAccess does not match its access changes', { reason: 'access' })
  }
  const digest = computePlanDigest(plan)
  if (digest !== planDigest) {
    throw corrupt('plan digest does not match its content', {
      reason: 'digest',
      expected: planDigest,
      actual: digest,
    })
  }
}
