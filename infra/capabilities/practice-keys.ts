import { defineCapability } from './capability';

/**
 * Each practice's own encryption key. In AWS a KMS key per practice, created at onboarding, used only through
 * the practice data role with that practice's encryption context (infra/constructs/practice-data-role.ts
 * grants it; the function's own role gets nothing here). Locally one AES key file per practice under the
 * data directory (layers/crypto/local-practice-keys.ts).
 */
export const capability = defineCapability({
  id: 'practice-keys',
  summary: 'Per-practice encryption keys (KMS; local key files)',
  clients: ['KMS'],

  aws() {
    return { use: () => ({}) };
  },

  async local(stage) {
    return { environment: { LOCAL_KEYS_DIR: stage.dataDir }, close: async () => undefined };
  },
});
