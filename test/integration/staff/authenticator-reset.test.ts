import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../../../infra/local/oidc';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember } from '../../support/lookups';
import { openStores } from '../../support/stores';

/** An admin resets a member's lost authenticator: through the API, audited, at the local provider's admin endpoint. */
let stack: Awaited<ReturnType<typeof startTestStack>>;
let call: ReturnType<typeof apiClient>;
let accounts: AccountStore;

beforeAll(async () => {
  stack = await startTestStack();
  call = apiClient(stack.url);
  accounts = new AccountStore(stack.dataDir);
});
afterAll(async () => {
  await stack?.stop();
});

const member = (role: string) => {
  const found = stack.demo.staff.find((s) => s.role === role);
  if (!found) throw new Error(`no demo ${role}`);
  return found;
};

describe('POST /api/staff/{staffId}/authenticator-reset', () => {
  it('turns the member’s authenticator off, after putting it on record', async () => {
    const admin = await signedInDemoMember(stack, 'practice_admin');
    const receptionist = member('receptionist');
    expect((await accounts.findBySub(receptionist.sub))?.totpEnrolled).toBe(true);
    const response = await call('POST', `/api/staff/${receptionist.sub}/authenticator-reset`, {
      token: admin.token,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: receptionist.sub, status: 'active' });
    expect((await accounts.findBySub(receptionist.sub))?.totpEnrolled).toBe(false);
    const events = await openStores(stack).audit.list(stack.demo.practice.practiceId);
    expect(events.filter((e) => e.type === 'staff.authenticator_reset')).toEqual([
      expect.objectContaining({
        actor: { sub: admin.sub, role: 'practice_admin' },
        subject: { sub: receptionist.sub },
      }),
    ]);
  });

  it('is for practice admins only, not for their own authenticator, and finds no one outside the practice', async () => {
    const admin = await signedInDemoMember(stack, 'practice_admin');
    const lead = await signedInDemoMember(stack, 'clinical_lead');
    const clinician = member('clinician');
    expect(
      (await call('POST', `/api/staff/${clinician.sub}/authenticator-reset`, { token: lead.token })).status,
    ).toBe(403);
    const own = await call('POST', `/api/staff/${admin.sub}/authenticator-reset`, { token: admin.token });
    expect(own.status).toBe(409);
    expect(own.body.detail).toMatch(/own authenticator/);
    expect(
      (
        await call('POST', '/api/staff/00000000-0000-4000-8000-000000000000/authenticator-reset', {
          token: admin.token,
        })
      ).status,
    ).toBe(404);
    expect((await accounts.findBySub(clinician.sub))?.totpEnrolled).toBe(true);
  });
});

describe('the local sign-in provider’s admin endpoint', () => {
  it('refuses anyone without the token the functions hold', async () => {
    const clinician = member('clinician');
    const url = `${stack.issuer}/admin/accounts/${clinician.sub}/authenticator-reset`;
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer guess' } })).status).toBe(
      401,
    );
    expect((await accounts.findBySub(clinician.sub))?.totpEnrolled).toBe(true);
  });
});
