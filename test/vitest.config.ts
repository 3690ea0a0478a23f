import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Handlers log a JSON line per request, and tests that assert failures provoke error lines on purpose. A
 * passing run shows test names only: Powertools writes through the global console in dev mode, which vitest
 * captures, and `silent: 'passed-only'` prints a test's output only when it fails.
 */
const QUIET_LOGS = { POWERTOOLS_DEV: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** One config, four projects: `npm run test:<project>` runs one; `npm test` runs them in order. */
export default defineConfig({
  test: {
    root,
    silent: 'passed-only',
    projects: [
      {
        test: {
          name: 'unit',
          root,
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          env: QUIET_LOGS,
        },
      },
      {
        test: {
          name: 'integration',
          root,
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          env: QUIET_LOGS,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'infra',
          root,
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          root,
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          env: QUIET_LOGS,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
