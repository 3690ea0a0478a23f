import { printTotpCode } from '../oidc';
import { emailArgument, localSettings, runningStackOrExit } from './settings';

/**
 * `npm run totp -- <email>`: the code a local account's authenticator would show now, for the running local
 * stack found from DATA_DIR (whatever port it listens on).
 */
async function main() {
  const email = emailArgument('totp');
  const { dataDir } = localSettings();
  await runningStackOrExit(dataDir);
  await printTotpCode(dataDir, email);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
