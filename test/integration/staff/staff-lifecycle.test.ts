import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_TYPES } from '../../../layers/http/errors';
import { ACCEPTABLE_USE_POLICY } from '../../../layers/identity/acceptable-use';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';
import { openStores } from '../../support/stores';
import { mintAccessToken } from '../../support/tokens';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;
let call: ReturnType<typeof apiClient>;
let adminToken: string;
let adminSub: string;
let practiceId: string;

beforeAll(async () => {
  stack = await startTestStack();
  stores = openStores(stack);
  call = apiClient(stack.url);
  practiceId = stack.demo.practice.practiceId;
  const admin = stack.demo.staff.find((s) => s.role === 'practice_admin');
  if (!admin) throw new Error('no demo admin');
  adminSub = admin.sub;
  ({ token: adminToken } = await mintAccessToken(stack, {
    sub: admin.sub,
    email: admin.email,
    practice_id: practiceId,
    role: 'practice_admin',
  }));
  const accepted = await call('POST', '/api/acceptable-use-policy/acceptances', {
    token: adminToken,
    body: { version: ACCEPTABLE_USE_POLICY.version },
  });
  expect(accepted.body).toMatchObject({ version: ACCEPTABLE_USE_POLICY.version });
});
afterAll(async () => {
  await stack?.stop();
});

async function newAccount(email: string) {
  return mintAccessToken(stack, { email });
}

describe('joining a practice', () => {
  it('registers a new account as a pending receptionist, visible to the admin first in the list, and audited', async () => {
    const { sub, token } = await newAccount('new.starter@nhs.net');
    expect((await call('GET', '/api/me', { token })).body.type).toBe(PROBLEM_TYPES.noPractice);

    const registered = await call('POST', '/api/registrations', {
      token,
      body: { odsCode: ' y99999 ', name: 'Nia Starter' },
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({
      status: 'pending',
      practice: { name: 'Riverside Surgery (demo)', odsCode: 'Y99999' },
    });

    const me = await call('GET', '/api/me', { token });
    expect(me.status).toBe(403);
    expect(me.body.type).toBe(PROBLEM_TYPES.pendingApproval);

    const list = await call('GET', '/api/staff', { token: adminToken });
    expect(list.status).toBe(200);
    const staff = list.body.staff as { id: string; status: string; role: string }[];
    expect(staff[0]).toMatchObject({ id: sub, status: 'pending', role: 'receptionist' });

    const events = await stores.audit.list(practiceId);
    expect(events.find((e) => e.type === 'staff.registered' && e.subject?.sub === sub)).toBeDefined();
  });

  it('refuses a second registration and changes nothing', async () => {
    const { sub, token } = await newAccount('twice@nhs.net');
    expect(
      (await call('POST', '/api/registrations', { token, body: { odsCode: 'Y99999', name: 'Twice' } }))
        .status,
    ).toBe(201);
    const before = await stores.directory.getStaff(practiceId, sub);
    const again = await call('POST', '/api/registrations', {
      token,
      body: { odsCode: 'Y99999', name: 'Twice Again' },
    });
    expect(again.status).toBe(409);
    expect(await stores.directory.getStaff(practiceId, sub)).toEqual(before);
    const registrations = (await stores.audit.list(practiceId)).filter(
      (e) => e.type === 'staff.registered' && e.subject?.sub === sub,
    );
    expect(registrations).toHaveLength(1);
  });

  it('says which field is wrong, and that an unknown practice is unknown', async () => {
    const { token } = await newAccount('typo@nhs.net');
    const bad = await call('POST', '/api/registrations', {
      token,
      body: { odsCode: 'not a code!', name: 'T' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([
      { field: 'body.odsCode', message: 'Enter your practice’s ODS code, for example A81001' },
    ]);
    const unknown = await call('POST', '/api/registrations', {
      token,
      body: { odsCode: 'A00000', name: 'T' },
    });
    expect(unknown.status).toBe(404);
  });

  it('refuses an address outside the allowed domains', async () => {
    const { sub, token } = await newAccount('someone@gmail.com');
    const refused = await call('POST', '/api/registrations', {
      token,
      body: { odsCode: 'Y99999', name: 'Outsider' },
    });
    expect(refused.status).toBe(403);
    expect(await stores.directory.getMembership(sub)).toBeUndefined();
  });
});

describe('approval, the acceptable-use policy and permissions', () => {
  it('takes a new member from pending to working, asking for the policy first, within their role', async () => {
    const { sub, token } = await newAccount('approved.later@nhs.net');
    await call('POST', '/api/registrations', { token, body: { odsCode: 'Y99999', name: 'Ada Later' } });

    const approved = await call('PATCH', `/api/staff/${sub}`, {
      token: adminToken,
      body: { status: 'active', role: 'clinician' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id: sub, status: 'active', role: 'clinician' });

    // The token predates approval and carries no practice: the membership record says where they belong.
    const me = await call('GET', '/api/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      staff: { name: 'Ada Later', role: 'clinician' },
      permissions: ['patients.lookup', 'patients.invite', 'consultations.host'],
      acceptableUse: { currentVersion: ACCEPTABLE_USE_POLICY.version, accepted: false },
    });

    const beforePolicy = await call('GET', '/api/staff', { token });
    expect(beforePolicy.body.type).toBe(PROBLEM_TYPES.aupRequired);
    expect(
      (await call('POST', '/api/acceptable-use-policy/acceptances', { token, body: { version: 'old' } }))
        .status,
    ).toBe(409);
    const accepted = await call('POST', '/api/acceptable-use-policy/acceptances', {
      token,
      body: { version: ACCEPTABLE_USE_POLICY.version },
    });
    expect(accepted.status).toBe(201);

    const notAllowed = await call('GET', '/api/staff', { token });
    expect(notAllowed.status).toBe(403);
    expect(notAllowed.body.type).toBe(PROBLEM_TYPES.permissionDenied);
    expect(notAllowed.body.detail).toBe('As a clinician you cannot approve and manage staff.');

    const types = (await stores.audit.list(practiceId))
      .filter((e) => e.subject?.sub === sub)
      .map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'staff.registered',
        'staff.approved',
        'staff.role_changed',
        'staff.aup_accepted',
      ]),
    );
    const approval = (await stores.audit.list(practiceId)).find(
      (e) => e.type === 'staff.approved' && e.subject?.sub === sub,
    );
    expect(approval).toMatchObject({
      actor: { sub: adminSub, role: 'practice_admin' },
      details: { fromStatus: 'pending', toStatus: 'active' },
    });
  });

  it('suspends and reinstates, refusing the member in between', async () => {
    const { sub, token } = await newAccount('suspend.me@nhs.net');
    await call('POST', '/api/registrations', { token, body: { odsCode: 'Y99999', name: 'Sam Pend' } });
    await call('PATCH', `/api/staff/${sub}`, { token: adminToken, body: { status: 'active' } });

    expect(
      (await call('PATCH', `/api/staff/${sub}`, { token: adminToken, body: { status: 'suspended' } })).status,
    ).toBe(200);
    expect((await call('GET', '/api/me', { token })).body.type).toBe(PROBLEM_TYPES.suspended);
    expect(
      (await call('PATCH', `/api/staff/${sub}`, { token: adminToken, body: { status: 'active' } })).status,
    ).toBe(200);
    expect((await call('GET', '/api/me', { token })).status).toBe(200);

    const types = (await stores.audit.list(practiceId))
      .filter((e) => e.subject?.sub === sub)
      .map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['staff.suspended', 'staff.reinstated']));
  });

  it('refuses transitions that make no sense, and admins changing themselves, with no change made', async () => {
    const { sub, token } = await newAccount('rejected@nhs.net');
    await call('POST', '/api/registrations', { token, body: { odsCode: 'Y99999', name: 'Rej Ected' } });
    expect(
      (await call('PATCH', `/api/staff/${sub}`, { token: adminToken, body: { status: 'suspended' } })).status,
    ).toBe(409);
    expect(
      (await call('PATCH', `/api/staff/${sub}`, { token: adminToken, body: { status: 'rejected' } })).status,
    ).toBe(200);
    const rejected = await stores.directory.getStaff(practiceId, sub);
    expect(
      (await call('PATCH', `/api/staff/${sub}`, { token: adminToken, body: { status: 'active' } })).status,
    ).toBe(409);
    expect(await stores.directory.getStaff(practiceId, sub)).toEqual(rejected);
    expect((await call('GET', '/api/me', { token })).body.type).toBe(PROBLEM_TYPES.rejected);

    const self = await call('PATCH', `/api/staff/${adminSub}`, {
      token: adminToken,
      body: { role: 'clinician' },
    });
    expect(self.status).toBe(409);
    expect((await stores.directory.getStaff(practiceId, adminSub))?.role).toBe('practice_admin');
  });

  it('lets only admins manage staff', async () => {
    const receptionist = stack.demo.staff.find((s) => s.role === 'receptionist');
    if (!receptionist) throw new Error('no demo receptionist');
    const { token } = await mintAccessToken(stack, {
      sub: receptionist.sub,
      email: receptionist.email,
      practice_id: practiceId,
    });
    await call('POST', '/api/acceptable-use-policy/acceptances', {
      token,
      body: { version: ACCEPTABLE_USE_POLICY.version },
    });
    const clinician = stack.demo.staff.find((s) => s.role === 'clinician');
    const before = await stores.directory.getStaff(practiceId, clinician?.sub ?? '');
    const refused = await call('PATCH', `/api/staff/${clinician?.sub}`, {
      token,
      body: { status: 'suspended' },
    });
    expect(refused.status).toBe(403);
    expect(await stores.directory.getStaff(practiceId, clinician?.sub ?? '')).toEqual(before);
  });
});

describe('two admins at once', () => {
  it('lets one of two simultaneous changes to the same member win, and tells the other', async () => {
    const { sub, token } = await newAccount('contested@nhs.net');
    await call('POST', '/api/registrations', { token, body: { odsCode: 'Y99999', name: 'Con Tested' } });
    const [first, second] = await Promise.all([
      call('PATCH', `/api/staff/${sub}`, { token: adminToken, body: { status: 'active' } }),
      call('PATCH', `/api/staff/${sub}`, { token: adminToken, body: { status: 'rejected' } }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const winner = first.status === 200 ? 'active' : 'rejected';
    expect((await stores.directory.getStaff(practiceId, sub))?.status).toBe(winner);
  });
});

describe('another practice', () => {
  it('cannot see or change this practice’s staff, whatever ids it sends', async () => {
    const now = new Date().toISOString();
    await stores.directory.putPractice({
      practiceId: 'other-practice',
      name: 'Other Surgery',
      odsCode: 'B11111',
      demo: true,
      createdAt: now,
    });
    const { sub, token } = await mintAccessToken(stack, {
      email: 'other.admin@nhs.net',
      practice_id: 'other-practice',
    });
    await stores.directory.putStaff({
      practiceId: 'other-practice',
      sub,
      email: 'other.admin@nhs.net',
      name: 'Other Admin',
      role: 'practice_admin',
      status: 'active',
      aupVersion: ACCEPTABLE_USE_POLICY.version,
      createdAt: now,
      updatedAt: now,
    });
    const clinician = stack.demo.staff.find((s) => s.role === 'clinician');
    const before = await stores.directory.getStaff(practiceId, clinician?.sub ?? '');

    const list = await call('GET', '/api/staff', { token });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain('demo.nhs.net');
    const patch = await call('PATCH', `/api/staff/${clinician?.sub}`, {
      token,
      body: { status: 'suspended' },
    });
    expect(patch.status).toBe(404);
    expect(await stores.directory.getStaff(practiceId, clinician?.sub ?? '')).toEqual(before);

    // A token claiming this practice does not help: the staff record is looked up under the claimed practice.
    const { token: forgedClaim } = await mintAccessToken(stack, {
      sub,
      email: 'other.admin@nhs.net',
      practice_id: practiceId,
    });
    expect((await call('GET', '/api/staff', { token: forgedClaim })).body.type).toBe(
      PROBLEM_TYPES.noPractice,
    );
  });
});
