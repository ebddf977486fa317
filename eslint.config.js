// Lint rules: typescript-eslint recommended, plus the purity rules of STYLE.md for the pure stages.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const PURE_DIRS = [
  'engine/core/**/*.ts',
  'engine/model/**/*.ts',
  'engine/validate/**/*.ts',
  'engine/policy/**/*.ts',
  'engine/plan/**/*.ts',
]

const impureSyntax = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'pure code takes time as an argument',
  },
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: 'pure code takes time as an argument',
  },
  {
    selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
    message: 'pure code takes randomness as an argument',
  },
  {
    selector: "CallExpression[callee.property.name='randomUUID']",
    message: 'pure code takes randomness as an argument',
  },
  {
    selector: "MemberExpression[object.name='process'][property.name='env']",
    message: 'pure code does not read the environment',
  },
]

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/**/build/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: PURE_DIRS,
    ignores: ['engine/core/digest.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'net', 'http', 'https'],
              message: 'pure stage: no I/O',
            },
            {
              group: ['better-sqlite3', 'pg', '@grpc/*', 'simple-git', 'pino'],
              message: 'pure stage: no I/O',
            },
            {
              group: ['**/platform/*', '**/store/*', '**/source/*', '**/api/*', '**/cli/*'],
              message: 'pure stage: data flows one way',
            },
          ],
        },
      ],
      'no-restricted-syntax': ['error', ...impureSyntax],
    },
  },
  {
    files: ['agent/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'model',
                'validate',
                'policy',
                'plan',
                'apply',
                'store',
                'source',
                'reconcile',
                'cli',
                'server',
              ].map((dir) => `**/engine/${dir}/**`),
              message: 'agent/ may import engine/core, engine/ca, engine/api and engine/platform only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/**/*.js', 'bench/**/*.{js,ts}', 'engine/cli/**/*.ts', 'test/support/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
)
