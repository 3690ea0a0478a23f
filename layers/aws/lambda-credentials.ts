import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias set by
 * infra/constructs/app-function.ts). Lambda always hands a function its role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which is the first place the default chain
 * looks; the rest of that chain (SSO, shared ini files, web identity, process, instance metadata, and their
 * nested STS and SSO clients) is about 100 KB of every bundle that Lambda never runs. Tests and the local
 * stack run unbundled, with the SDK's own chain.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
