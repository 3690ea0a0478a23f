import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OffboardingError, offboardPractice } from '../../../functions/platform/offboarding';
import { FieldCrypto } from '../../../layers/crypto/field-crypto';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';
import { LOCAL_ROLE_PREFIX } from '../../../layers/trail/local-key-trail';
import { localSettings, runningLocalStack } from './settings';

const USAGE =
  'Usage: npm run practice:offboard -- --practice <practice id> --export <new file.json> --confirm <ODS code>';

/**
 * `npm run practice:offboard`: the platform operator's offboarding of a practice, against the running local
 * stack: a decrypted export of all its data to a new file (0600), then crypto-shred and deletion.
 */
async function main() {
  const { values } = parseArgs({
    options: { practice: { type: 'string' }, export: { type: 'string' }, confirm: { type: 'string' } },
  });
  if (!values.practice || !values.export || !values.confirm) {
    console.error(USAGE);
    process.exit(2);
  }
  const { dataDir } = localSettings();
  const { tableNames, client } = await runningLocalStack(dataDir);
  // In AWS the offboarding function's role schedules the key's deletion; the local trail says the same.
  const keys = new LocalPracticeKeys({
    dataDir,
    caller: {
      roleArn: `${LOCAL_ROLE_PREFIX}OffboardPractice`,
      sessionName: process.env.USER ?? 'local-operator',
    },
  });
  const exportPath = resolve(values.export);
  const result = await offboardPractice(
    {
      practiceClient: client,
      platformClient: client,
      tables: tableNames,
      keys,
      fields: new FieldCrypto(keys),
    },
    values.practice,
    {
      operator: process.env.USER ?? 'local-operator',
      confirmOdsCode: values.confirm,
      saveExport: async (json) => {
        // A new file only (never overwrite another export), readable by the operator alone; read back before
        // anything is destroyed.
        await writeFile(exportPath, json, { mode: 0o600, flag: 'wx' });
        if ((await readFile(exportPath, 'utf8')) !== json)
          throw new Error('the export did not read back intact');
      },
    },
  );
  if (result.resumed) {
    console.log(`Finished the interrupted offboarding of practice ${result.practiceId} (its export was made then,
sha256 ${result.exportSha256}; no new export). ${result.deletedItems} items were deleted.`);
    client.destroy();
    return;
  }
  console.log(`Offboarded practice ${result.practiceId}.
Export: ${exportPath} (sha256 ${result.exportSha256}); hand it to the practice, then delete it.
Its key is destroyed (everything encrypted for it, including backups, is now unreadable) and ${result.deletedItems} items were deleted.`);
  client.destroy();
}

main().catch((error: Error) => {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    error instanceof OffboardingError
      ? error.message
      : code === 'EEXIST'
        ? 'The export file already exists: name a new file. Nothing was changed.'
        : `Could not offboard: ${error.message}`,
  );
  process.exit(1);
});
