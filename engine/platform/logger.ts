import pino from 'pino'

/** Structured JSON logs. IDs go in fields, not in the message; secrets never go anywhere. */
export type Logger = pino.Logger

const REDACT = [
  'key',
  'privateKey',
  'token',
  'joinToken',
  'secret',
  'password',
  '*.key',
  '*.privateKey',
  '*.token',
  '*.secret',
]

/** A logger writing JSON lines to stderr at `level` (env `SIGIL_LOG_LEVEL` overrides). */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'sigil',
      level: process.env['SIGIL_LOG_LEVEL'] ?? options.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination(2),
  )
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
