import { resolve } from 'node:path';
import { z } from 'zod';
import { PortInUseError, REPO_ROOT, startLocalStack } from './local-stack';

const Settings = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default(resolve(REPO_ROOT, '.data')),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

async function main(): Promise<void> {
  const parsed = Settings.safeParse(process.env);
  if (!parsed.success) {
    console.error(
      `Invalid setting: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
    process.exit(2);
  }
  const settings = parsed.data;
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack({
      port: settings.PORT,
      host: settings.HOST,
      dataDir: resolve(settings.DATA_DIR),
      logLevel: settings.LOG_LEVEL,
    });
  } catch (error) {
    if (error instanceof PortInUseError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  const clinician = stack.demo.staff.find((s) => s.role === 'clinician');
  const officer = stack.demo.staff.find((s) => s.role === 'compliance_officer');
  const staffLines = stack.demo.staff.map(
    (s) =>
      `    ${s.role.padEnd(15)} ${s.email.padEnd(26)} password ${s.password}   authenticator key ${s.totpSecret}`,
  );
  console.log(`
Clinic Connect is running locally (stage "local", demo data).

  Practice console   ${stack.url}/
  Patient join page  ${stack.url}/join/
  Patient's phone    ${stack.url}/local/phone/   (every text the local SMS service sends)
  API                ${stack.url}/api/health   (OpenAPI: ${stack.url}/api/openapi.json)
  Sign-in provider   ${stack.issuer}/.well-known/openid-configuration
  Local mailbox      ${stack.mailboxUrl}   (password reset codes; Cognito emails them in AWS)

  Demo practice: ${stack.demo.practice.name}
  Demo staff (every account needs a second factor: add the key to an authenticator app, or use npm run totp):
${staffLines.join('\n')}
    Current authenticator code:  npm run totp -- <email>
    Access token for curl:       npm run token -- <email>

${stack
  .describeStandIns()
  .map((line) => `  ${line}`)
  .join('\n')}

  Try a video consultation (two browser windows; a private window for the patient works best):
    1. Sign in at ${stack.url}/ as the demo clinician (${clinician?.email ?? 'clinician'}; code: npm run totp -- ${clinician?.email ?? '<email>'}).
    2. Find a patient: NHS number 999 000 0018, born 12 April 1980. Choose "Send invitation".
    3. In the other window open the patient's phone, ${stack.url}/local/phone/, tap the link in the text and
       enter its 6-digit code. Allow the camera and microphone, pass the device check, wait.
    4. Back in the console the header says the patient is waiting: open it and choose "Admit".
    Leaving (the patient's Leave button, or closing their window) is recorded as dissent; a dropped
    connection is "reconnecting" for two minutes first. Nothing is recorded: video goes browser to browser.

  Try an audit report: sign in as the demo compliance officer (${officer?.email ?? 'compliance_officer'}) and choose
    "Audit reports" (${stack.url}/audit): run today's report, download the CSV, choose "Verify integrity".
    The trail is sealed every minute; npm run audit:seal seals it now, and
    npm run audit:verify -- --practice ${stack.demo.practice.practiceId} checks it from the command line.

  Data is kept in ${resolve(settings.DATA_DIR)} (delete it to start afresh). Press Ctrl-C to stop.
`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await stack.close();
    console.log('Stopped. Data kept for next time.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`Could not start: ${error.message}`);
  process.exit(1);
});
