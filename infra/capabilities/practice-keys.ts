import { practiceKeyStatement } from '../constructs/table-access';
import { defineCapability } from './capability';

/**
 * Each practice's own encryption key. In AWS a KMS key per practice, created at onboarding; a function that
 * declares `uses: ['practice-keys']` gets, on its practice sessions only, the use of the session's own
 * practice key with that practice's encryption context (Encrypt, Decrypt, GenerateDataKey: its data key is
 * made on first use). Its own role gets nothing here, and the sessions of functions that do not declare it
 * cannot use any practice key: the keys' policies leave that to IAM. Locally one AES key file per practice
 * under the data directory (layers/crypto/local-practice-keys.ts).
 */
export const capability = defineCapability({
  id: 'practice-keys',
  summary: 'Per-practice encryption keys (KMS; local key files)',
  clients: ['KMS'],

  aws(stage) {
    const keyTags = { app: 'clinic-connect', stage: stage.config.stage };
    return { use: () => ({ practiceSession: [practiceKeyStatement(keyTags)] }) };
  },

  async local(stage) {
    return { environment: { LOCAL_KEYS_DIR: stage.dataDir }, close: async () => undefined };
  },
});
