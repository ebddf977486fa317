/** Exit codes shared by commands (DESIGN.md §3). */
export const EXIT = {
  ok: 0,
  /** lint: errors found · plan: error · apply: refused or failed · authz: deny */
  failure: 1,
  /** lint: could not run · plan --detailed-exitcode: changes present */
  other: 2,
} as const

/** Thrown by a command to end with a message and an exit code, without a stack trace. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message)
  }
}
