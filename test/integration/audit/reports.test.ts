import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_CHUNK_ROWS } from '../../../functions/audit/audit-reports';
import { auditItem } from '../../../layers/audit/audit-log';
import { ukDay } from '../../../layers/universal/uk-days';
import { apiClient } from '../../support/api';
import { captureOutput } from '../../support/events';
import { startTestStack } from '../../support/local-stack';
import { rawTableContents, signedInDemoMember } from '../../support/lookups';
import { openStores } from '../../support/stores';

type Section = {
  id: string;
  total: number;
  rows: { eventId: string; type: string; attention: boolean; cells: Record<string, string> }[];
  cursor: string | null;
};
type Report = { reportId: string; total: number; sections: Section[]; sealing: { notYetSealed: number } };

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;
let call: ReturnType<typeof apiClient>;
const tokens: Record<string, { sub: string; token: string }> = {};
let practiceId: string;
const today = () => ukDay(new Date());

beforeAll(async () => {
  stack = await startTestStack({ env: { LOOKUP_LIMIT_PER_USER_PER_HOUR: '4' } });
  stores = openStores(stack);
  call = apiClient(stack.url);
  practiceId = stack.demo.practice.practiceId;
  for (const role of ['compliance_officer', 'clinician', 'receptionist', 'practice_admin', 'clinical_lead']) {
    tokens[role] = await signedInDemoMember(stack, role);
  }
});
afterAll(async () => {
  await stack?.stop();
});

const token = (role: string) => (tokens[role] as { token: string }).token;
const lookUp = (nhsNumber: string, birthDate: string) =>
  call('POST', '/api/lookups', { token: token('clinician'), body: { nhsNumber, birthDate } });

async function runReport(body: Record<string, unknown> = {}, role = 'compliance_officer'): Promise<Report> {
  const response = await call('POST', '/api/audit/reports', {
    token: token(role),
    body: { from: today(), to: today(), ...body },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as unknown as Report;
}

const section = (report: Report, id: string) => report.sections.find((s) => s.id === id) as Section;

/** Every row of a section, page by page through the API. */
async function allRows(report: Report, id: string, limit = 25) {
  const first = section(report, id);
  const rows = [...first.rows];
  let cursor = first.cursor;
  const pages = [first.rows.length];
  while (cursor) {
    const page = await call(
      'GET',
      `/api/audit/reports/${report.reportId}/sections/${id}?cursor=${cursor}&limit=${limit}`,
      { token: token('compliance_officer') },
    );
    expect(page.status).toBe(200);
    const body = page.body as unknown as Section;
    rows.push(...body.rows);
    pages.push(body.rows.length);
    cursor = body.cursor;
  }
  return { rows, pages };
}

async function putEvents(events: Record<string, unknown>[]) {
  for (let index = 0; index < events.length; index += 25) {
    await stores.client.send(
      new BatchWriteCommand({
        RequestItems: {
          [stack.tableNames.audit as string]: events
            .slice(index, index + 25)
            .map((event) => ({ PutRequest: { Item: auditItem(event as never) } })),
        },
      }),
    );
  }
}

describe('who may read audit reports', () => {
  it('lets a compliance officer read reports, and nothing else: no lookups, no staff management', async () => {
    const officer = token('compliance_officer');
    expect(
      (await call('POST', '/api/audit/reports', { token: officer, body: { from: today(), to: today() } }))
        .status,
    ).toBe(200);
    expect((await call('GET', '/api/audit/staff', { token: officer })).status).toBe(200);
    const lookup = await call('POST', '/api/lookups', {
      token: officer,
      body: { nhsNumber: '9990000018', birthDate: '1980-04-12' },
    });
    expect(lookup.status).toBe(403);
    expect((await call('GET', '/api/staff', { token: officer })).status).toBe(403);
    const clinician = tokens.clinician?.sub as string;
    expect(
      (await call('PATCH', `/api/staff/${clinician}`, { token: officer, body: { status: 'suspended' } }))
        .status,
    ).toBe(403);
  });

  it.each(['clinician', 'receptionist'])('refuses a %s', async (role) => {
    expect(
      (await call('POST', '/api/audit/reports', { token: token(role), body: { from: today(), to: today() } }))
        .status,
    ).toBe(403);
    expect((await call('GET', '/api/audit/staff', { token: token(role) })).status).toBe(403);
  });

  it.each(['practice_admin', 'clinical_lead'])('lets a %s read them too', async (role) => {
    expect((await runReport({}, role)).reportId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a bad range with a 400 naming the field, and runs nothing', async () => {
    const officer = token('compliance_officer');
    const reversed = await call('POST', '/api/audit/reports', {
      token: officer,
      body: { from: today(), to: '2025-01-01' },
    });
    expect(reversed.status).toBe(400);
    expect(reversed.body.issues).toEqual([expect.objectContaining({ field: 'body.to' })]);
    const future = await call('POST', '/api/audit/reports', {
      token: officer,
      body: { from: today(), to: '2999-01-01' },
    });
    expect(future.status).toBe(400);
    const badNhs = await call('POST', '/api/audit/reports', {
      token: officer,
      body: { from: today(), to: today(), nhsNumber: '1234567890' },
    });
    expect(badNhs.status).toBe(400);
    expect(badNhs.body.issues).toEqual([expect.objectContaining({ field: 'body.nhsNumber' })]);
    const stranger = await call('POST', '/api/audit/reports', {
      token: officer,
      body: { from: today(), to: today(), staffId: 'someone-else' },
    });
    expect(stranger.status).toBe(400);
  });
});

describe('what a report shows', () => {
  let report: Report;
  beforeAll(async () => {
    expect((await lookUp('9990000018', '1980-04-12')).status).toBe(200); // match
    expect((await lookUp('9990000107', '1990-10-10')).status).toBe(200); // restricted: "no match"
    expect((await lookUp('9990000115', '1975-03-03')).status).toBe(200); // very restricted
    expect((await lookUp('123', '1980-04-12')).status).toBe(400); // invalid input
    expect((await lookUp('9990000123', '1931-04-01')).status).toBe(200); // deceased
    expect((await lookUp('9990000026', '1952-11-02')).status).toBe(429); // over this stack's limit of 4
    const receptionist = tokens.receptionist?.sub as string;
    const change = await call('PATCH', `/api/staff/${receptionist}`, {
      token: token('practice_admin'),
      body: { role: 'compliance_officer' },
    });
    expect(change.status).toBe(200);
    // An event of a type this version does not describe, written by a newer one.
    await putEvents([
      {
        eventId: randomUUID(),
        practiceId,
        type: 'invite.sent_by_future_version',
        at: new Date().toISOString(),
        actor: { sub: tokens.clinician?.sub, role: 'clinician' },
        details: { channel: 'sms', parts: 1, patientNameCiphertext: 'c2VjcmV0' },
      },
    ]);
    report = await runReport();
  });

  it('lists every lookup with who, whom and the true outcome, which the clinician was not shown', async () => {
    const lookups = section(report, 'lookups');
    // The officer's attempt above (refused by the staff gate) is on record too, first: every attempt is.
    expect(lookups.total).toBe(7);
    const rows = lookups.rows.map((row) => [
      row.cells.patient,
      row.cells.patientName,
      row.cells.outcome,
      row.cells.detail,
      row.attention,
    ]);
    expect(rows).toEqual([
      // Refused by the gate before the body is read: no patient on record.
      ['', '', 'Refused: not allowed', 'The member’s role may not look up patients', true],
      ['999 000 0018', 'Florence Fictional', 'Match shown', 'Name, gender and mobile ending shown', false],
      ['999 000 0107', '', 'No match shown', 'Restricted record (safeguarding): not shown', true],
      ['999 000 0115', '', 'No match shown', 'Very restricted record (safeguarding): not shown', true],
      // What was typed, decrypted for the officer: it was not an NHS number.
      ['123', '', 'Refused: invalid input', 'Fields: body.nhsNumber', false],
      ['999 000 0123', '', 'No match shown', 'The patient is recorded as deceased: not shown', false],
      ['999 000 0026', '', 'Refused: rate limit', 'The member’s hourly limit of lookups was reached', true],
    ]);
    expect(lookups.rows[0]?.cells).toMatchObject({ staff: 'Pat Okafor', role: 'Compliance officer' });
    for (const row of lookups.rows.slice(1))
      expect(row.cells).toMatchObject({ staff: 'Dr Sam Patel', role: 'Clinician' });
  });

  it('lists staff changes with who changed whom', () => {
    const staff = section(report, 'staff');
    const change = staff.rows.find((row) => row.type === 'staff.role_changed');
    expect(change?.cells).toMatchObject({
      staff: 'Alex Morgan',
      role: 'Practice admin',
      member: 'Chris Lee',
      detail: 'Receptionist → Compliance officer',
    });
    expect(staff.rows.filter((row) => row.type === 'staff.aup_accepted').length).toBeGreaterThanOrEqual(5);
  });

  it('shows an event of an unknown type under Other events rather than drop it', () => {
    const other = section(report, 'other');
    expect(other.total).toBe(1);
    expect(other.rows[0]?.cells).toMatchObject({
      event: 'Invite sent by future version',
      detail: 'channel: sms; parts: 1',
    });
    expect(JSON.stringify(other)).not.toContain('c2VjcmV0');
  });

  it('lists report runs, so the officer’s own reading is on record', () => {
    const audit = section(report, 'audit');
    expect(
      audit.rows.some((row) => row.type === 'audit.report_run' && row.cells.staff === 'Pat Okafor'),
    ).toBe(true);
    expect(report.total).toBe(report.sections.reduce((sum, s) => sum + s.total, 0));
    expect(report.sealing.notYetSealed).toBe(report.total);
  });

  it('filters by member of staff: what they did or what was done to them', async () => {
    const mine = await runReport({ staffId: tokens.receptionist?.sub });
    expect(section(mine, 'lookups').total).toBe(0);
    expect(
      section(mine, 'staff')
        .rows.map((row) => row.type)
        .sort(),
    ).toEqual(['staff.aup_accepted', 'staff.role_changed']);
    const clinician = await runReport({ staffId: tokens.clinician?.sub });
    expect(section(clinician, 'lookups').total).toBe(6);
  });

  it('filters by patient through the blind index, and never logs or stores the NHS number as typed', async () => {
    const { result, output } = await captureOutput(() => runReport({ nhsNumber: '999 000 0107' }));
    expect(section(result, 'lookups').rows.map((row) => row.cells.patient)).toEqual(['999 000 0107']);
    // The run itself is about that patient too: it is listed in their report.
    expect(section(result, 'audit').rows.map((row) => row.type)).toEqual(['audit.report_run']);
    expect(output).not.toMatch(/9990000107|999 000 0107/);
    expect(await rawTableContents(stack, stores)).not.toMatch(/9990000107|999 000 0107/);
  });
});

describe('paging', () => {
  const day = '2026-01-15';
  const ids: string[] = [];
  beforeAll(async () => {
    const events = Array.from({ length: CSV_CHUNK_ROWS + 61 }, (_, index) => {
      const eventId = randomUUID();
      ids.push(eventId);
      return {
        eventId,
        practiceId,
        type: 'staff.aup_accepted',
        at: new Date(Date.parse(`${day}T08:00:00.000Z`) + index * 1_000).toISOString(),
        actor: { sub: index === 7 ? 'formula-member' : (tokens.clinician?.sub as string), role: 'clinician' },
        subject: { sub: tokens.clinician?.sub as string },
        details: { version: `v${index}` },
      };
    });
    await putEvents(events);
    await stores.directory.putStaff({
      practiceId,
      sub: 'formula-member',
      email: 'formula@demo.nhs.net',
      name: '=HYPERLINK("http://example.invalid","Click")',
      role: 'clinician',
      status: 'suspended',
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
  });

  it('pages through a section without a gap or a repeat, and says when it is done', async () => {
    const report = await runReport({ from: day, to: day });
    const staff = section(report, 'staff');
    expect(staff.total).toBe(CSV_CHUNK_ROWS + 61);
    const { rows, pages } = await allRows(report, 'staff', 100);
    expect(pages[0]).toBe(25);
    expect(pages.slice(1, -1).every((size) => size === 100)).toBe(true);
    expect(rows.map((row) => row.eventId)).toEqual(ids);
  });

  it('refuses a cursor it did not give, a page size over 100, another member’s run and an expired one', async () => {
    const report = await runReport({ from: day, to: day });
    const path = `/api/audit/reports/${report.reportId}/sections/staff`;
    const officer = token('compliance_officer');
    expect((await call('GET', `${path}?cursor=bm90LWEtY3Vyc29y`, { token: officer })).status).toBe(400);
    expect((await call('GET', `${path}?limit=101`, { token: officer })).status).toBe(400);
    expect((await call('GET', path, { token: token('practice_admin') })).status).toBe(404);
    await stores.client.send(
      new UpdateCommand({
        TableName: stack.tableNames.records,
        Key: { pk: `PRACTICE#${practiceId}`, sk: `AUDITRUN#${report.reportId}` },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    expect((await call('GET', path, { token: officer })).status).toBe(410);
  });

  it('downloads the whole range as CSV in parts, the first headed by the personal-data notice and audited', async () => {
    const report = await runReport({ from: day, to: day });
    const officer = token('compliance_officer');
    const parts: { csv: string; rows: number; cursor: string | null; fileName: string }[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?cursor=${cursor}` : '';
      const part = await call('GET', `/api/audit/reports/${report.reportId}/csv${query}`, { token: officer });
      expect(part.status).toBe(200);
      parts.push(part.body as never);
      cursor = (part.body as { cursor: string | null }).cursor;
    } while (cursor);
    expect(parts.map((part) => part.rows)).toEqual([CSV_CHUNK_ROWS, 61]);
    expect(parts[0]?.fileName).toBe(`audit-report-y99999-${day}-to-${day}.csv`);
    const csv = parts.map((part) => part.csv).join('');
    const lines = csv.split('\r\n');
    expect(lines[0]?.startsWith('\uFEFF"PERSONAL DATA')).toBe(true);
    expect(lines).toContain('Filters,none: every event');
    const header = lines.findIndex((line) => line.startsWith('Time (UK),'));
    expect(lines.length - header - 2).toBe(CSV_CHUNK_ROWS + 61);
    // A member's name that a spreadsheet would run is written as text.
    const formula = lines.find((line) => line.includes('HYPERLINK'));
    expect(formula).toContain(`"'=HYPERLINK(""http://example.invalid"",""Click"")"`);
    // Downloading is on record, once per download.
    const { Items } = await stores.client.send(
      new QueryCommand({
        TableName: stack.tableNames.audit,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        FilterExpression: '#type = :downloaded AND details.reportId = :report',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':pk': `PRACTICE#${practiceId}`,
          ':events': 'EVENT#',
          ':downloaded': 'audit.report_downloaded',
          ':report': report.reportId,
        },
      }),
    );
    expect(Items).toHaveLength(1);
  });
});

describe('a report about another practice', () => {
  it('finds nothing of it, whatever it is asked', async () => {
    await stores.client.send(
      new PutCommand({
        TableName: stack.tableNames.records,
        Item: {
          pk: 'PRACTICE#other-practice',
          sk: 'AUDITRUN#11111111-1111-4111-8111-111111111111',
          reportId: '11111111-1111-4111-8111-111111111111',
          createdBy: tokens.compliance_officer?.sub,
          from: today(),
          to: today(),
          fromIso: '2020-01-01T00:00:00.000Z',
          toIso: '2999-01-01T00:00:00.000Z',
        },
      }),
    );
    const response = await call(
      'GET',
      '/api/audit/reports/11111111-1111-4111-8111-111111111111/sections/lookups',
      {
        token: token('compliance_officer'),
      },
    );
    expect(response.status).toBe(404);
  });
});
