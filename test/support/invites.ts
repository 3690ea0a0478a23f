import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capability as inviteQueueCapability } from '../../infra/capabilities/invite-queue';
import { DEFAULT_PDS_PATIENTS_DIR } from '../../infra/capabilities/pds';
import { capability as smsCapability } from '../../infra/capabilities/sms';
import type { PhoneMessage } from '../../infra/local/sms/sms-server';
import type { startTestStack } from './local-stack';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

/** The local SMS service and the local queue of a test stack. */
export function standIns(stack: TestStack) {
  return { sms: stack.standIn(smsCapability), queue: stack.standIn(inviteQueueCapability) };
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { type?: string; detail?: string };
}

/** A JSON call with optional extra headers (the Idempotency-Key). */
export async function api(
  stack: { url: string },
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

/** Looks a patient up and returns the lookup id (fails the test if there is no match). */
export async function lookUp(stack: { url: string }, token: string, nhsNumber: string, birthDate: string) {
  const answer = await api(stack, 'POST', '/api/lookups', { token, body: { nhsNumber, birthDate } });
  if (answer.body.result !== 'match')
    throw new Error(`no match for ${nhsNumber}: ${JSON.stringify(answer.body)}`);
  return answer.body as {
    lookupId: string;
    sms: { textable: boolean; reason: string | null; optedOut: boolean };
  };
}

export function invite(
  stack: { url: string },
  token: string,
  body: { lookupId: string; message?: string; confirmSensitiveContent?: boolean },
  key: string = randomUUID(),
) {
  return api(stack, 'POST', '/api/invites', { token, body, headers: { 'idempotency-key': key } });
}

export async function getInvite(stack: { url: string }, token: string, inviteId: string) {
  return api(stack, 'GET', `/api/invites/${inviteId}`, { token });
}

/** Polls the invite until its status is one of `statuses`. */
export async function waitForStatus(
  stack: { url: string },
  token: string,
  inviteId: string,
  statuses: readonly string[],
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    last = (await getInvite(stack, token, inviteId)).body;
    if (statuses.includes(String(last.status))) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`invite ${inviteId} stayed ${String(last.status)}, not ${statuses.join('/')}`);
}

/** The phone page's JSON: what the local SMS service delivered to a number. */
export async function phoneMessages(stack: { url: string }, to?: string): Promise<PhoneMessage[]> {
  const response = await fetch(
    `${stack.url}/local/phone/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`,
  );
  return ((await response.json()) as { messages: PhoneMessage[] }).messages;
}

/** The E.164 form of a UK number as PDS writes it. */
export function e164(ukNumber: string): string {
  const digits = ukNumber.replace(/\D/gu, '');
  return digits.startsWith('44') ? `+${digits}` : `+44${digits.replace(/^0/u, '')}`;
}

/** The demo patient, as the local PDS serves it. */
export const DEMO_PATIENT = { nhsNumber: '9990000018', birthDate: '1980-04-12', mobile: '+447700900123' };

/** A 999-range NHS number with a valid check digit, from a 9-digit stem. */
export function nhsNumberFrom(stem: string): string {
  const digits = stem.split('').map(Number);
  const total = digits.reduce((sum, digit, i) => sum + digit * (10 - i), 0);
  const check = 11 - (total % 11);
  if (check === 10) throw new Error(`${stem} has no valid check digit`);
  return `${stem}${check === 11 ? 0 : check}`;
}

/**
 * A PDS patients directory: the synthetic set plus one patient per given mobile (copies of the demo
 * patient with another NHS number and that mobile), for the local SMS service's failure numbers.
 */
export async function patientsWithMobiles(
  mobiles: readonly string[],
): Promise<{ dir: string; patients: { nhsNumber: string; birthDate: string; mobile: string }[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'cc-pds-'));
  const { readdir } = await import('node:fs/promises');
  for (const file of await readdir(DEFAULT_PDS_PATIENTS_DIR)) {
    if (file.endsWith('.json'))
      await writeFile(join(dir, file), await readFile(join(DEFAULT_PDS_PATIENTS_DIR, file)));
  }
  const demo = JSON.parse(await readFile(join(DEFAULT_PDS_PATIENTS_DIR, '9990000018.json'), 'utf8'));
  const patients: { nhsNumber: string; birthDate: string; mobile: string }[] = [];
  let stem = 999_100_000;
  for (const mobile of mobiles) {
    let nhsNumber: string | undefined;
    while (!nhsNumber) {
      try {
        nhsNumber = nhsNumberFrom(String(stem++));
      } catch {
        // no check digit for this stem: the next one
      }
    }
    const resource = structuredClone(demo);
    resource.id = nhsNumber;
    for (const identifier of resource.identifier ?? []) {
      if (identifier.system === 'https://fhir.nhs.uk/Id/nhs-number') identifier.value = nhsNumber;
    }
    for (const telecom of resource.telecom ?? []) {
      if (telecom.system === 'phone' && telecom.use === 'mobile') telecom.value = mobile;
    }
    await writeFile(join(dir, `${nhsNumber}.json`), JSON.stringify(resource));
    patients.push({ nhsNumber, birthDate: demo.birthDate, mobile });
  }
  return { dir, patients };
}
