import { defineConfig } from 'vitest/config'

// Three projects (STYLE.md): fast unit tests, integration tests with real git/sqlite/gRPC/TLS,
// and end-to-end scenarios with real processes. A console call in a test is a failure.
const shared = {
  onConsoleLog: (log: string) => {
    throw new Error(`console output in a test: ${log.slice(0, 200)}`)
  },
  globalSetup: ['test/support/global-setup.ts'],
}

export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          ...shared,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      { test: { ...shared, name: 'stress', include: ['test/stress/**/*.test.ts'], testTimeout: 1_800_000 } },
    ],
  },
})
