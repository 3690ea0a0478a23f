import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ConsultationDeps } from '../../../../functions/consultations/consultations';
import type {
  InviteJourneyEntry,
  JoinableInvite,
  JoinableInvites,
} from '../../../../functions/consultations/joinable-invites';
import type { JoinDeps } from '../../../../functions/join/join';
import { startEmbeddedDynamo } from '../../../../infra/local/embedded-dynamodb';
import { LocalMeetings } from '../../../../infra/local/meetings/local-meetings';
import { PracticeBlindIndex } from '../../../../layers/crypto/blind-index';
import { FieldCrypto } from '../../../../layers/crypto/field-crypto';
import { LocalPracticeKeys } from '../../../../layers/crypto/local-practice-keys';
import { DynamoDirectoryStore } from '../../../../layers/directory/directory-store';
import type { MeetingEvent } from '../../../../layers/meetings/meeting-events';
import { storeAccess } from '../../../../layers/practice/practice-stores';

export const PRACTICE = 'practice-a';

/**
 * The invite port's far side in memory (issue 10's store is another branch's): invites by token, codes in
 * clear (a test's), timelines and opt-outs recorded for the assertions. Everything else is real: dynalite,
 * the practice's keys, the local meeting service.
 */
export class InMemoryInvites implements JoinableInvites {
  readonly byToken = new Map<string, JoinableInvite & { code: string; name: string }>();
  readonly timeline: (InviteJourneyEntry & { inviteId: string })[] = [];
  readonly optOuts: string[] = [];

  add(options: { token?: string; code?: string; usable?: boolean; by?: string; role?: string } = {}) {
    const invite = {
      practiceId: PRACTICE,
      inviteId: randomUUID(),
      usable: options.usable ?? true,
      createdBy: {
        sub: 'clinician-1',
        name: options.by ?? 'Dr Asha Patel',
        role: options.role ?? 'clinician',
      },
      code: options.code ?? '123456',
      name: 'Test Patient',
    };
    const token = options.token ?? randomUUID().replaceAll('-', '').slice(0, 22);
    this.byToken.set(token, invite);
    return { token, invite };
  }
  async findByToken(token: string) {
    return this.byToken.get(token);
  }
  async get(practiceId: string, inviteId: string) {
    return [...this.byToken.values()].find((i) => i.practiceId === practiceId && i.inviteId === inviteId);
  }
  async verifyCode(invite: JoinableInvite, code: string) {
    return (invite as { code?: string }).code === code.replace(/\s/g, '');
  }
  async patientName(invite: JoinableInvite) {
    return (invite as { name?: string }).name;
  }
  async addToTimeline(invite: JoinableInvite, entries: readonly InviteJourneyEntry[]) {
    for (const entry of entries) this.timeline.push({ ...entry, inviteId: invite.inviteId });
  }
  async recordOptOut(invite: JoinableInvite) {
    this.optOuts.push(invite.inviteId);
  }
}

export async function consultationWorld() {
  const dynamo = await startEmbeddedDynamo({});
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const dataDir = await mkdtemp(join(tmpdir(), 'clinic-consult-'));
  const keys = new LocalPracticeKeys({ dataDir });
  await keys.provision(PRACTICE, 'Riverside Surgery');
  await new DynamoDirectoryStore(client, dynamo.tableNames.directory).putPractice({
    practiceId: PRACTICE,
    name: 'Riverside Surgery',
    odsCode: 'A12345',
    demo: true,
    createdAt: new Date().toISOString(),
  });
  const access = storeAccess({
    tables: dynamo.tableNames,
    platformClient: () => client,
    practiceClient: () => client,
  });
  const meetings = new LocalMeetings({ signallingUrl: 'ws://127.0.0.1:1/meetings/signalling' });
  const meetingEvents: MeetingEvent[] = [];
  meetings.onMeetingEvent((event) => meetingEvents.push(event));
  const invites = new InMemoryInvites();
  let clock = Date.parse('2026-12-01T09:00:00Z');
  const deps: JoinDeps & ConsultationDeps = {
    invites,
    pointers: access.consultationPointers(),
    storesOf: (practiceId) => access.practice(practiceId),
    meetings,
    fields: new FieldCrypto(keys),
    blindIndex: new PracticeBlindIndex(keys),
    stage: 'test',
    graceMs: 120_000,
    now: () => new Date(clock),
  };
  const auditTypes = async () => {
    const { Items } = await client.send(
      new QueryCommand({
        TableName: dynamo.tableNames.audit,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `PRACTICE#${PRACTICE}` },
      }),
    );
    return (Items ?? []).map((item) => ({
      type: String(item.type),
      details: item.details as Record<string, unknown>,
    }));
  };
  return {
    deps,
    access,
    stores: access.practice(PRACTICE),
    meetings,
    meetingEvents,
    invites,
    client,
    tableNames: dynamo.tableNames,
    auditTypes,
    advance: (ms: number) => {
      clock += ms;
      return clock;
    },
    at: () => clock,
    async close() {
      await dynamo.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type ConsultationWorld = Awaited<ReturnType<typeof consultationWorld>>;
