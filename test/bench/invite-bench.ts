import { randomUUID } from 'node:crypto';
import { capability as smsCapability } from '../../infra/capabilities/sms';
import type { startTestStack } from '../support/local-stack';
import { signedInDemoMember } from '../support/lookups';
import { round, summarise } from './stats';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;
const WARMUP = 20;

/**
 * The invitation's path through the real local stack: `POST /api/invites` (idempotency key, lookup record,
 * blind index, opt-out check, three rate limits, scan, invite record, token pointer and code hash, the
 * encrypted queue message, audit) → the local queue → the sender (claim, opt-out checks, SNS Publish to the
 * local SMS service, the message id and pointer) → the text on the patient's phone. Measured from just before
 * the POST to the moment the SMS service holds the text (what `/local/phone/messages` lists), polled in this
 * process every millisecond; and the POST's own answer time. Patients are spread over several numbers, whose
 * per-number limit is raised for the run.
 */
export async function benchInvite(
  stack: TestStack,
  options: { requests: number; patients: { nhsNumber: string; birthDate: string; mobile: string }[] },
) {
  const sms = stack.standIn(smsCapability);
  const clinician = await signedInDemoMember(stack, 'clinician');
  const lookups: { lookupId: string; e164: string }[] = [];
  for (const patient of options.patients) {
    const response = await fetch(`${stack.url}/api/lookups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ nhsNumber: patient.nhsNumber, birthDate: patient.birthDate }),
    });
    const body = (await response.json()) as { lookupId: string };
    lookups.push({ lookupId: body.lookupId, e164: `+44${patient.mobile.slice(1)}` });
  }

  const once = async (i: number) => {
    const lookup = lookups[i % lookups.length] as { lookupId: string; e164: string };
    const before = new Set(sms.messages().map((message) => message.messageId));
    const started = process.hrtime.bigint();
    const response = await fetch(`${stack.url}/api/invites`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${clinician.token}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ lookupId: lookup.lookupId, message: 'Dr Patel will call at 2pm.' }),
    });
    const answered = process.hrtime.bigint();
    const text = await response.text();
    if (response.status !== 201) throw new Error(`invite answered ${response.status}: ${text.slice(0, 300)}`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (sms.messages().some((message) => message.to === lookup.e164 && !before.has(message.messageId)))
        break;
      if (Date.now() > deadline) throw new Error('the text did not reach the phone within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const onPhone = process.hrtime.bigint();
    return { postMs: Number(answered - started) / 1e6, phoneMs: Number(onPhone - started) / 1e6 };
  };

  for (let i = 0; i < WARMUP; i++) await once(i);
  const post: number[] = [];
  const phone: number[] = [];
  for (let i = 0; i < options.requests; i++) {
    const sample = await once(WARMUP + i);
    post.push(sample.postMs);
    phone.push(sample.phoneMs);
  }
  const postMs = summarise(post);
  const toPhoneMs = summarise(phone);
  return {
    requests: options.requests,
    postMs,
    toPhoneMs,
    queueAndSendP50Ms: round(toPhoneMs.p50 - postMs.p50),
  };
}
