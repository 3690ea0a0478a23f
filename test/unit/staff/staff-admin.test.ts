import {
  AdminSetUserMFAPreferenceCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { changeStaffMember, resetAuthenticator } from '../../../functions/staff/staff-admin';
import type { AuditLog, NewAuditEvent } from '../../../layers/audit/audit-log';
import type { StaffMember } from '../../../layers/directory/model';
import type { StaffCaller } from '../../../layers/http/staff-gate';
import { CognitoIdentityAdmin, identityAdminFrom } from '../../../layers/identity/identity-admin';
import { PracticeAuditLog, PracticeDirectory } from '../../../layers/practice/practice-stores';
import { directoryWithMember, staffMember, withoutRecordStores } from '../../support/fake-directory';

const cognito = mockClient(CognitoIdentityProviderClient);
/** The admin of practice A, with practice A's stores over the given member, as the gate would open them. */
function adminWith(member: StaffMember, writes: StaffMember[], audit: AuditLog): StaffCaller {
  const directory = directoryWithMember(member);
  directory.replaceStaff = async (next) => {
    writes.push(next);
  };
  return {
    subject: 'admin-1',
    practiceId: 'practice-a',
    staff: staffMember({ sub: 'admin-1', role: 'practice_admin' }),
    stores: withoutRecordStores({
      directory: new PracticeDirectory(directory, 'practice-a'),
      audit: new PracticeAuditLog(audit, 'practice-a'),
    }),
  };
}

function auditInto(events: NewAuditEvent[], fail = false): AuditLog {
  return {
    record: async (event) => {
      if (fail) throw new Error('audit table unavailable');
      events.push(event);
      return { ...event, eventId: 'e', at: event.at ?? '' };
    },
    list: async () => [],
  };
}

beforeEach(() => cognito.reset());

describe('changing a member of staff', () => {
  it('ends a suspended member’s Cognito sessions, by their sub', async () => {
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});
    const writes: StaffMember[] = [];
    const events: NewAuditEvent[] = [];
    await changeStaffMember(
      {
        identity: new CognitoIdentityAdmin(
          new CognitoIdentityProviderClient({ region: 'eu-west-2' }),
          'eu-west-2_pool',
        ),
      },
      adminWith(staffMember({ sub: 'u2' }), writes, auditInto(events)),
      'u2',
      { status: 'suspended' },
      'req-1',
    );
    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand).map((c) => c.args[0].input)).toEqual([
      { UserPoolId: 'eu-west-2_pool', Username: 'u2' },
    ]);
    expect(writes.map((w) => w.status)).toEqual(['suspended']);
    expect(events.map((e) => e.type)).toEqual(['staff.suspended']);
  });

  it('ends the sessions again when a suspension is repeated (the retry of a request that failed after writing)', async () => {
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});
    const writes: StaffMember[] = [];
    await changeStaffMember(
      {
        identity: new CognitoIdentityAdmin(
          new CognitoIdentityProviderClient({ region: 'eu-west-2' }),
          'eu-west-2_pool',
        ),
      },
      adminWith(staffMember({ sub: 'u2', status: 'suspended' }), writes, auditInto([])),
      'u2',
      { status: 'suspended' },
      'req-2',
    );
    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)).toHaveLength(1);
    expect(writes).toEqual([]);
  });

  it('changes nothing when the audit trail cannot record the change', async () => {
    const writes: StaffMember[] = [];
    const attempt = changeStaffMember(
      { identity: { endSessions: async () => {}, resetAuthenticator: async () => {} } },
      adminWith(staffMember({ sub: 'u2', status: 'pending' }), writes, auditInto([], true)),
      'u2',
      { status: 'active' },
      'req-3',
    );
    await expect(attempt).rejects.toThrow('audit table unavailable');
    expect(writes).toEqual([]);
  });
});

describe('resetting a member’s authenticator', () => {
  const cognitoAdmin = () =>
    new CognitoIdentityAdmin(new CognitoIdentityProviderClient({ region: 'eu-west-2' }), 'eu-west-2_pool');

  it('turns their software token off and ends their sessions, after putting it on record', async () => {
    cognito.on(AdminSetUserMFAPreferenceCommand).resolves({});
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});
    const events: NewAuditEvent[] = [];
    const member = await resetAuthenticator(
      { identity: cognitoAdmin(), now: () => new Date('2026-12-01T10:00:00Z') },
      adminWith(staffMember({ sub: 'u2' }), [], auditInto(events)),
      'u2',
      'req-4',
    );
    expect(member.id).toBe('u2');
    expect(cognito.commandCalls(AdminSetUserMFAPreferenceCommand).map((c) => c.args[0].input)).toEqual([
      {
        UserPoolId: 'eu-west-2_pool',
        Username: 'u2',
        SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false },
      },
    ]);
    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)).toHaveLength(1);
    expect(events).toEqual([
      {
        type: 'staff.authenticator_reset',
        practiceId: 'practice-a',
        at: '2026-12-01T10:00:00.000Z',
        actor: { sub: 'admin-1', role: 'practice_admin' },
        subject: { sub: 'u2' },
        details: { status: 'active' },
        requestId: 'req-4',
      },
    ]);
  });

  it('resets nothing when the audit trail cannot record it', async () => {
    const attempt = resetAuthenticator(
      { identity: cognitoAdmin() },
      adminWith(staffMember({ sub: 'u2' }), [], auditInto([], true)),
      'u2',
      'req-5',
    );
    await expect(attempt).rejects.toThrow('audit table unavailable');
    expect(cognito.commandCalls(AdminSetUserMFAPreferenceCommand)).toEqual([]);
  });

  it.each([
    ['their own', 'admin-1', staffMember({ sub: 'admin-1' }), /your own authenticator/],
    ['a rejected member’s', 'u2', staffMember({ sub: 'u2', status: 'rejected' }), /rejected member/],
    ['someone not in the practice', 'u3', staffMember({ sub: 'u2' }), /no such member/],
  ])('refuses to reset %s', async (_what, staffId, member, message) => {
    const attempt = resetAuthenticator(
      { identity: cognitoAdmin() },
      adminWith(member, [], auditInto([])),
      staffId,
      'req-6',
    );
    await expect(attempt).rejects.toThrow(message);
    expect(cognito.commandCalls(AdminSetUserMFAPreferenceCommand)).toEqual([]);
  });
});

describe('choosing the identity provider adapter', () => {
  it('refuses to run without a user pool outside the local stack, rather than silently not ending sessions', () => {
    expect(() => identityAdminFrom({ AWS_REGION: 'eu-west-2', STAGE: 'prod' })).toThrow(/USER_POOL_ID/);
    expect(identityAdminFrom({ AWS_REGION: 'eu-west-2', STAGE: 'local' })).toBeDefined();
    expect(identityAdminFrom({ AWS_REGION: 'eu-west-2', STAGE: 'prod', USER_POOL_ID: 'p' })).toBeInstanceOf(
      CognitoIdentityAdmin,
    );
  });
});
