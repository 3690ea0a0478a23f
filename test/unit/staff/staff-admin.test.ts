import {
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { changeStaffMember } from '../../../functions/staff/staff-admin';
import type { AuditLog, NewAuditEvent } from '../../../layers/audit/audit-log';
import type { StaffMember } from '../../../layers/directory/model';
import type { StaffCaller } from '../../../layers/http/staff-gate';
import { CognitoIdentityAdmin, identityAdminFrom } from '../../../layers/identity/identity-admin';
import { directoryWithMember, staffMember } from '../../support/fake-directory';

const cognito = mockClient(CognitoIdentityProviderClient);
const admin: StaffCaller = {
  subject: 'admin-1',
  practiceId: 'practice-a',
  staff: staffMember({ sub: 'admin-1', role: 'practice_admin' }),
};

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

function withReplace(member: StaffMember, writes: StaffMember[]) {
  const directory = directoryWithMember(member);
  directory.replaceStaff = async (next) => {
    writes.push(next);
  };
  return directory;
}

beforeEach(() => cognito.reset());

describe('changing a member of staff', () => {
  it('ends a suspended member’s Cognito sessions, by their sub', async () => {
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});
    const writes: StaffMember[] = [];
    const events: NewAuditEvent[] = [];
    await changeStaffMember(
      {
        directory: withReplace(staffMember({ sub: 'u2' }), writes),
        audit: auditInto(events),
        identity: new CognitoIdentityAdmin(
          new CognitoIdentityProviderClient({ region: 'eu-west-2' }),
          'eu-west-2_pool',
        ),
      },
      admin,
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
        directory: withReplace(staffMember({ sub: 'u2', status: 'suspended' }), writes),
        audit: auditInto([]),
        identity: new CognitoIdentityAdmin(
          new CognitoIdentityProviderClient({ region: 'eu-west-2' }),
          'eu-west-2_pool',
        ),
      },
      admin,
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
      {
        directory: withReplace(staffMember({ sub: 'u2', status: 'pending' }), writes),
        audit: auditInto([], true),
        identity: { endSessions: async () => {} },
      },
      admin,
      'u2',
      { status: 'active' },
      'req-3',
    );
    await expect(attempt).rejects.toThrow('audit table unavailable');
    expect(writes).toEqual([]);
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
