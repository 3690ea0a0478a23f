import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../functions/routes';
import { STAFF_ROLES, type StaffMember, type StaffRole } from '../../../layers/directory/model';
import { pathParameterNames, type RouteDefinition } from '../../../layers/http/route';
import { ACCEPTABLE_USE_POLICY } from '../../../layers/identity/acceptable-use';
import { can } from '../../../layers/universal/permissions';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';
import { openStores } from '../../support/stores';
import { mintAccessToken } from '../../support/tokens';

/**
 * For every route that needs a signed-in caller: a member of practice A, allowed to use the route, sends
 * practice B's ids. B's data must not come back and B's items must not change. The list of routes is the route
 * table itself, so a new route is covered the day it is added; a new kind of path parameter must be given a
 * B value below, or this test fails and says so.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;
let call: ReturnType<typeof apiClient>;

const now = new Date().toISOString();
const B = {
  practice: {
    practiceId: 'practice-b',
    name: 'Brookside Health Centre',
    odsCode: 'B82001',
    demo: true,
    createdAt: now,
  },
  staff: STAFF_ROLES.map(
    (role, i): StaffMember => ({
      practiceId: 'practice-b',
      sub: `b-member-${i}`,
      email: `b.member.${i}@brookside.nhs.net`,
      name: `Brookside Member ${i}`,
      role,
      status: 'active',
      aupVersion: ACCEPTABLE_USE_POLICY.version,
      createdAt: now,
      updatedAt: now,
    }),
  ),
};

/** Practice B's value for each kind of path parameter. */
const B_IDS: Record<string, string> = {
  staffId: B.staff[2]?.sub ?? '',
  // An invitation of B's (made below), by its id.
  inviteId: '0190b6a4-7c1e-7a3b-9c2d-4e5f60718293',
  // B's consultation of that invitation, its patient in the waiting room (made below).
  consultationId: '0190b6a4-7c1e-7a3b-9c2d-4e5f60718293',
  // A report B's own officer ran (its run record is below), and a section of it.
  reportId: 'b0b0b0b0-b0b0-4b0b-8b0b-b0b0b0b0b0b0',
  sectionId: 'lookups',
};

const tokensForA = new Map<StaffRole, string>();

async function snapshotOfB() {
  const items: Record<string, unknown>[] = [];
  for (const table of Object.values(stack.tableNames)) {
    const { Items } = await stores.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'PRACTICE#practice-b' },
      }),
    );
    items.push(...(Items ?? []));
  }
  for (const member of B.staff) items.push((await stores.directory.getMembership(member.sub)) ?? {});
  return items;
}

beforeAll(async () => {
  stack = await startTestStack();
  stores = openStores(stack);
  call = apiClient(stack.url);

  await stores.directory.putPractice(B.practice);
  for (const member of B.staff) {
    await stores.directory.putStaff(member);
    await stores.directory.createMembership({ sub: member.sub, practiceId: 'practice-b', createdAt: now });
  }
  // One of B's invitations, held for review, as its id is what A's member will send.
  await stores.client.send(
    new PutCommand({
      TableName: stack.tableNames.records,
      Item: {
        pk: 'PRACTICE#practice-b',
        sk: `INVITE#${B_IDS.inviteId}`,
        inviteId: B_IDS.inviteId,
        state: 'held',
        createdBy: { sub: 'b-member-2', name: 'Brookside Member 2' },
      },
    }),
  );
  await stores.client.send(
    new PutCommand({
      TableName: stack.tableNames.records,
      Item: {
        pk: 'PRACTICE#practice-b',
        sk: `CONSULTATION#${B_IDS.consultationId}`,
        inviteId: B_IDS.consultationId,
        createdAt: now,
        version: 1,
        expiresAt: Math.floor(Date.now() / 1000) + 86_400,
        step: 'waiting',
        waitingSince: now,
        consentedAt: now,
        code: { wrong: 0 },
        events: [],
      },
    }),
  );
  // A report B's own officer ran.
  await stores.client.send(
    new PutCommand({
      TableName: stack.tableNames.records,
      Item: {
        pk: 'PRACTICE#practice-b',
        sk: `AUDITRUN#${B_IDS.reportId}`,
        reportId: B_IDS.reportId,
        createdBy: B.staff[4]?.sub,
        createdAt: now,
        from: '2020-01-01',
        to: '2030-01-01',
        fromIso: '2020-01-01T00:00:00.000Z',
        toIso: '2030-01-01T00:00:00.000Z',
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      },
    }),
  );
  await stores.audit.record({
    practiceId: 'practice-b',
    type: 'staff.approved',
    actor: { sub: 'b-member-0' },
    subject: { sub: 'b-member-2' },
    details: { fromStatus: 'pending', toStatus: 'active' },
  });

  // Practice A: the demo practice, one active member per role who has accepted the policy.
  for (const demo of stack.demo.staff) {
    const member = await stores.directory.getStaff(stack.demo.practice.practiceId, demo.sub);
    if (!member) throw new Error('demo member missing');
    await stores.directory.putStaff({ ...member, aupVersion: ACCEPTABLE_USE_POLICY.version });
    const { token } = await mintAccessToken(stack, {
      sub: demo.sub,
      email: demo.email,
      practice_id: stack.demo.practice.practiceId,
      role: demo.role,
    });
    tokensForA.set(demo.role, token);
  }
});
afterAll(async () => {
  await stack?.stop();
});

const protectedRoutes = ROUTES.filter((route) => route.auth !== 'public');

function callerFor(route: RouteDefinition): string {
  // The least privileged role that may: an officer for audit routes, a receptionist for lookups.
  const role = ([...STAFF_ROLES].reverse() as StaffRole[]).find(
    (r) => !route.permission || can(r, route.permission),
  );
  const token = role && tokensForA.get(role);
  if (!token) throw new Error(`no role of practice A may call ${route.id}`);
  return token;
}

function pathWithBIds(route: RouteDefinition): string {
  let path: string = route.path;
  for (const name of pathParameterNames(route.path)) {
    const value = B_IDS[name];
    if (!value) throw new Error(`${route.id}: give the isolation test practice B's value for {${name}}`);
    path = path.replace(`{${name}}`, encodeURIComponent(value));
  }
  return path;
}

describe('practice isolation, route by route', () => {
  it('covers every route that needs a signed-in caller', () => {
    expect(protectedRoutes.length).toBeGreaterThan(0);
    for (const route of protectedRoutes) {
      if (route.request.body)
        expect(route.request.example?.body, `${route.id} needs request.example.body`).toBeDefined();
    }
  });

  it.each(protectedRoutes.map((route) => [route.id, route] as const))(
    '%s: a member of practice A with B’s ids gets none of B’s data and changes nothing of B’s',
    async (_id, route) => {
      const before = await snapshotOfB();
      const response = await call(route.method, pathWithBIds(route), {
        token: callerFor(route),
        ...(route.request.example?.body !== undefined ? { body: route.request.example.body } : {}),
        ...(route.request.example?.headers ? { headers: route.request.example.headers } : {}),
      });
      expect(response.status, JSON.stringify(response.body)).not.toBe(500);
      const text = JSON.stringify(response.body);
      for (const secret of [
        B.practice.name,
        B.practice.odsCode,
        'practice-b',
        ...B.staff.flatMap((s) => [s.sub, s.email, s.name]),
      ]) {
        expect(text).not.toContain(secret);
      }
      if (pathParameterNames(route.path).length > 0) expect([403, 404]).toContain(response.status);
      expect(await snapshotOfB()).toEqual(before);
    },
  );
});
