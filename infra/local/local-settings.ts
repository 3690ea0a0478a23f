import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Names the local stack and the operator commands beside it share. Kept apart from local-stack.ts so that a
 * command (npm run practice:onboard, ...) does not load the identity provider and the gateway to read them.
 */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CONSOLE_CLIENT_ID = 'clinic-console';
/** Written while the stack runs: its URL and where its DynamoDB listens. */
export const RUNTIME_FILE = 'local-stack.json';

/** The one origin the browser, the sign-in redirects and the token issuer use: a wildcard bind is `localhost`. */
export function localOrigin(host: string, port: number): string {
  return `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`;
}
