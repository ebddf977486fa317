/** Glue between commander and command bodies that return an exit code. */
let exitCode = 0

/** Wraps an async command body so its returned number becomes the process exit code. */
export function action<A extends unknown[]>(
  body: (...args: A) => Promise<number> | number,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitCode = await body(...args)
  }
}

/** The exit code of the command that ran last (read by `main`). */
export function takeExitCode(): number {
  const code = exitCode
  exitCode = 0
  return code
}
