/** Plan output for `plan`/`apply`: text for people, markdown for pull-request comments, JSON for tools. */
import { renderPlanJson } from '../../plan/render-json.js'
import { renderPlanMarkdown } from '../../plan/render-markdown.js'
import { renderPlanText } from '../../plan/render-text.js'
import type { Plan } from '../../plan/types.js'
import type { Styler } from '../output.js'

export type PlanFormat = 'text' | 'json' | 'markdown'
export const PLAN_FORMATS: readonly PlanFormat[] = ['text', 'json', 'markdown']

/** The plan in `format` (JSON is byte for byte the saved plan file). */
export function renderPlan(plan: Plan, format: PlanFormat, style: Styler): string {
  switch (format) {
    case 'json':
      return renderPlanJson(plan)
    case 'markdown':
      return renderPlanMarkdown(plan)
    case 'text':
      return renderPlanText(plan, style)
  }
}
