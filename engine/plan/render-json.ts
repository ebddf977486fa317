/** The plan as JSON: the saved plan format itself (docs/plan-format.md). */
import { encodePlan } from './codec.js'
import type { Plan } from './types.js'

/** The plan as stable JSON text, byte for byte what `sigil plan -o plan.json` saves (`encodePlan`). */
export function renderPlanJson(plan: Plan): string {
  return encodePlan(plan)
}
