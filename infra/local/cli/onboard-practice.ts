import { parseArgs } from 'node:util';
import { parseDomainList } from '../../../functions/identity/staff-email-policy';
import { OnboardingError, onboardPractice } from '../../../functions/platform/onboarding';
import { DynamoAuditLog } from '../../../layers/audit/audit-log';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';
import { DynamoDirectoryStore } from '../../../layers/directory/directory-store';
import { LOCAL_ROLE_PREFIX } from '../../../layers/trail/local-key-trail';
import { localSettings, runningLocalStack } from './settings';

const USAGE =
  'Usage: npm run practice:onboard -- --name "Practice name" --ods A81001 --admin-email first.admin@nhs.net';

/**
 * `npm run practice:onboard`: the platform operator's onboarding of a practice, against the running local
 * stack (the same domain code an AWS operator entry point will call). Prints what the first admin does next.
 */
async function main() {
  const { values } = parseArgs({
    options: { name: { type: 'string' }, ods: { type: 'string' }, 'admin-email': { type: 'string' } },
  });
  if (!values.name || !values.ods || !values['admin-email']) {
    console.error(USAGE);
    process.exit(2);
  }
  const { dataDir } = localSettings();
  const { url, tableNames, client } = await runningLocalStack(dataDir);
  const result = await onboardPractice(
    {
      // Locally one client for everything: dynalite has no IAM to scope it.
      platform: new DynamoDirectoryStore(client, tableNames.directory),
      practice: () => ({
        directory: new DynamoDirectoryStore(client, tableNames.directory),
        audit: new DynamoAuditLog(client, tableNames.audit),
      }),
      // In AWS the onboarding function's role creates the key; the local trail says the same.
      keys: new LocalPracticeKeys({
        dataDir,
        caller: {
          roleArn: `${LOCAL_ROLE_PREFIX}OnboardPractice`,
          sessionName: process.env.USER ?? 'local-operator',
        },
      }),
      allowedEmailDomains: parseDomainList(process.env.STAFF_EMAIL_DOMAINS),
    },
    { name: values.name, odsCode: values.ods, adminEmail: values['admin-email'] },
    process.env.USER ?? 'local-operator',
  );
  console.log(`Onboarded ${values.name} (ODS ${result.odsCode}) as practice ${result.practiceId}, with its own key.
Next: ${result.invited} signs up at ${url}/ ("Create an account"), then enters ODS code ${result.odsCode};
they arrive as the practice's admin and approve everyone else.`);
  client.destroy();
}

main().catch((error: Error) => {
  console.error(error instanceof OnboardingError ? error.message : `Could not onboard: ${error.message}`);
  process.exit(1);
});
