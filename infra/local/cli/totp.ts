import { printTotpCode } from '../oidc';
import { emailArgument, localSettings } from './settings';

/** `npm run totp -- <email>`: the code a local account's authenticator would show now. */
const email = emailArgument('totp');
printTotpCode(localSettings().dataDir, email).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
