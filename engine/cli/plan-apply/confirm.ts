/** The interactive "apply these changes?" question (Terraform's: only `yes` is accepted). */
import { createInterface } from 'node:readline/promises'

/** True when stdin and stderr are terminals, so a question can be asked. */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY)
}

/** Asks on the terminal; resolves true only for the answer `yes`. */
export async function askToApply(): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await rl.question('\nApply these changes? Only "yes" is accepted: ')
    return answer.trim() === 'yes'
  } finally {
    rl.close()
  }
}
