/**
 * The whole `sigil import spire` conversion: SPIRE JSON text → repository files, linted, with dated
 * waivers for the built-in policy errors the imported data triggers. Pure.
 */
import type { Checked, Diagnostic } from '../core/diagnostics.js'
import type { PolicyObject } from '../model/types.js'
import { checkRepository } from '../validate/check-repository.js'
import { importSpireEntries, type ImportedRepository } from './import-repository.js'
import { importWaivers, importWaiverValue } from './import-waivers.js'
import { parseSpireEntries } from './parse-entries.js'
import type { SpireShape } from './spire-entry.js'

/** Options of `convertSpireFile`. */
export interface ConvertSpireOptions {
  readonly builtinPolicies: readonly PolicyObject[]
  /** Now, ms since the epoch: when waivers start and when lint judges them. */
  readonly todayMs: number
  /** Waivers expire this many days after today; 0 adds none. */
  readonly waiverDays: number
}

/** A converted file. */
export interface SpireImport {
  readonly shape: SpireShape
  readonly entries: number
  readonly repository: ImportedRepository
  /** `Kind/name` → waived policy rules. */
  readonly waivers: ReadonlyMap<string, readonly string[]>
  /** What `sigil lint` says about the generated repository (after waivers): empty when clean. */
  readonly lint: readonly Diagnostic[]
}

/**
 * Parses `text` (`file` labels messages), converts it, lints the result and — unless `waiverDays` is
 * 0 — waives the built-in policy errors on imported objects. Fails only when the input is unusable.
 * @example
 * const result = convertSpireFile(json, 'entries.json', { builtinPolicies, todayMs: Date.now(), waiverDays: 30 })
 */
export function convertSpireFile(
  text: string,
  file: string,
  options: ConvertSpireOptions,
): Checked<SpireImport> {
  const parsed = parseSpireEntries(text, file)
  if (!parsed.ok) return parsed
  const { shape, entries } = parsed.value
  const first = importSpireEntries(entries)
  if (!first.ok) return first
  const lint = (repository: ImportedRepository) =>
    checkRepository(
      { repo: '', path: '', files: repository.files },
      { builtinPolicies: options.builtinPolicies, todayMs: options.todayMs },
    ).diagnostics
  const found = lint(first.value)
  const imported = new Set(first.value.objects.map((o) => `${o.kind}/${o.name}`))
  const annotations =
    options.waiverDays > 0
      ? importWaivers(found, imported, importWaiverValue(options.todayMs, options.waiverDays))
      : new Map<string, Record<string, string>>()
  const waivers = new Map(
    [...annotations].map(([object, a]) => [
      object,
      Object.keys(a)
        .map((k) => k.slice('sigil/waive.'.length))
        .sort(),
    ]),
  )
  if (annotations.size === 0)
    return {
      ok: true,
      value: { shape, entries: entries.length, repository: first.value, waivers, lint: found },
      diagnostics: [],
    }
  const second = importSpireEntries(entries, { annotations })
  if (!second.ok) return second
  return {
    ok: true,
    value: { shape, entries: entries.length, repository: second.value, waivers, lint: lint(second.value) },
    diagnostics: [],
  }
}
