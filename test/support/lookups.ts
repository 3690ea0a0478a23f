import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ACCEPTABLE_USE_POLICY } from '../../layers/identity/acceptable-use';
import { apiClient } from './api';
import type { startTestStack } from './local-stack';
import type { openStores } from './stores';
import { mintAccessToken } from './tokens';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

/** A demo member of the given role, signed in (a token from the local provider's key) and past the policy. */
export async function signedInDemoMember(
  stack: TestStack,
  role: string,
): Promise<{ sub: string; token: string }> {
  const member = stack.demo.staff.find((s) => s.role === role);
  if (!member) throw new Error(`no demo ${role}`);
  const { token } = await mintAccessToken(stack, {
    sub: member.sub,
    email: member.email,
    practice_id: stack.demo.practice.practiceId,
    role,
  });
  const accepted = await apiClient(stack.url)('POST', '/api/acceptable-use-policy/acceptances', {
    token,
    body: { version: ACCEPTABLE_USE_POLICY.version },
  });
  if (accepted.status >= 300) throw new Error(`policy acceptance failed: ${accepted.status}`);
  return { sub: member.sub, token };
}

export interface SyntheticPatient {
  nhsNumber: string;
  birthDate: string;
  given: string[];
  family: string;
  mobile: string | undefined;
}

/** A patient of the directory the local PDS serves, read from its PDS JSON: tests never copy the data. */
export async function syntheticPatient(patientsDir: string, nhsNumber: string): Promise<SyntheticPatient> {
  const resource = JSON.parse(await readFile(join(patientsDir, `${nhsNumber}.json`), 'utf8'));
  const name = resource.name.find((n: { use: string }) => n.use === 'usual');
  const mobile = (resource.telecom ?? []).find(
    (t: { system: string; use: string }) => t.system === 'phone' && t.use === 'mobile',
  );
  return {
    nhsNumber: resource.id,
    birthDate: resource.birthDate,
    given: name.given,
    family: name.family,
    mobile: mobile?.value,
  };
}

/** Every item of every table, as stored: for "no plaintext at rest" checks. */
export async function rawTableContents(
  stack: TestStack,
  stores: ReturnType<typeof openStores>,
): Promise<string> {
  const items: unknown[] = [];
  for (const tableName of Object.values(stack.tableNames)) {
    const { Items } = await stores.client.send(new ScanCommand({ TableName: tableName }));
    items.push(...(Items ?? []));
  }
  return JSON.stringify(items);
}

/** The demo practice's lookup records as stored (ciphertext and all). */
export async function storedLookups(stack: TestStack, stores: ReturnType<typeof openStores>) {
  const { Items } = await stores.client.send(
    new QueryCommand({
      TableName: stack.tableNames.records,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :lookup)',
      ExpressionAttributeValues: {
        ':pk': `PRACTICE#${stack.demo.practice.practiceId}`,
        ':lookup': 'LOOKUP#',
      },
    }),
  );
  return Items ?? [];
}
