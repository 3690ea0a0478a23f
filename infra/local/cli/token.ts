import { CONSOLE_CLIENT_ID } from '../local-settings';
import { signIn } from '../oidc';
import { demoPasswordFor, emailArgument, localSettings, runningStackOrExit } from './settings';

/**
 * `npm run token -- <email>`: signs in against the running local provider the way the console does
 * (authorization code + PKCE, password, then the current TOTP code) and prints the access token, for curl and
 * load tests. The stack is the one running with DATA_DIR, on whatever port it chose. The password is the demo
 * one, or PASSWORD from the environment. Local issuers only.
 */
async function main() {
  const email = emailArgument('token');
  const { dataDir } = localSettings();
  const { url: origin } = await runningStackOrExit(dataDir);
  const password = process.env.PASSWORD ?? (await demoPasswordFor(dataDir, email));
  if (!password) {
    console.error(
      `No password for ${email}: it is not a demo account. Run with PASSWORD=... npm run token -- ${email}`,
    );
    process.exit(2);
  }
  const tokens = await signIn({
    issuer: `${origin}/oidc`,
    clientId: CONSOLE_CLIENT_ID,
    redirectUri: `${origin}/auth/callback`,
    email,
    password,
    dataDir,
  });
  process.stdout.write(`${tokens.accessToken}\n`);
}

main().catch((error: Error) => {
  console.error(`Could not sign in: ${error.message}.`);
  process.exit(1);
});
