import type { AuditLog } from '../../layers/audit/audit-log';
import type { DirectoryStore } from '../../layers/directory/directory-store';
import type { StaffMember } from '../../layers/directory/model';
import {
  PracticeAuditLog,
  PracticeDirectory,
  type PracticeStores,
  type StoreAccess,
} from '../../layers/practice/practice-stores';

export function staffMember(overrides: Partial<StaffMember> = {}): StaffMember {
  return {
    practiceId: 'practice-a',
    sub: 'user-1',
    email: 'a@nhs.net',
    name: 'A',
    role: 'clinician',
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/**
 * A directory holding one member (or none), for unit tests of code that only reads a member and their
 * membership. Anything else it is asked fails the test: the code under test should not need it.
 */
export function directoryWithMember(member: StaffMember | undefined): DirectoryStore {
  const unused = async (): Promise<never> => {
    throw new Error('not expected in this test');
  };
  return {
    getPractice: unused,
    findPracticeByOdsCode: unused,
    listStaff: unused,
    putPractice: unused,
    putStaff: unused,
    createMembership: unused,
    createStaff: unused,
    replaceStaff: unused,
    claimOdsCode: unused,
    createPractice: unused,
    putInvitation: unused,
    deleteInvitation: unused,
    getInvitation: async () => undefined,
    getMembership: async (sub) =>
      member && member.sub === sub
        ? { sub, practiceId: member.practiceId, createdAt: member.createdAt }
        : undefined,
    getStaff: async (practiceId, sub) =>
      member && member.practiceId === practiceId && member.sub === sub ? member : undefined,
    getStaffStanding: async (practiceId, sub) =>
      member && member.practiceId === practiceId && member.sub === sub
        ? { practiceId: member.practiceId, role: member.role, status: member.status }
        : undefined,
  };
}

/** Store access over the one-member directory: the practice's stores are bound as the functions' are. */
export function accessWithMember(
  member: StaffMember | undefined,
  audit: AuditLog = discardingAuditLog(),
): StoreAccess {
  const store = directoryWithMember(member);
  return {
    platform: () => store,
    consultationPointers: () => {
      throw new Error('this fake has no record stores');
    },
    invitePointers: () => {
      throw new Error('this fake has no record stores');
    },
    practice: (practiceId) =>
      withoutRecordStores({
        directory: new PracticeDirectory(store, practiceId),
        audit: new PracticeAuditLog(audit, practiceId),
      }),
  };
}

export function discardingAuditLog(): AuditLog {
  return {
    record: async (event) => ({ ...event, eventId: 'e', at: event.at ?? new Date().toISOString() }),
    list: async () => [],
  };
}

/** Adds the record stores, for fakes of routes that never touch patient records: using one is a test bug. */
export function withoutRecordStores(stores: Pick<PracticeStores, 'directory' | 'audit'>): PracticeStores {
  const missing = () => {
    throw new Error('this fake has no record stores');
  };
  return Object.defineProperties(stores, {
    lookups: { get: missing },
    rateLimits: { get: missing },
    consultations: { get: missing },
    consents: { get: missing },
    videoSettings: { get: missing },
    invites: { get: missing },
    heldMessages: { get: missing },
    smsOptOuts: { get: missing },
    idempotencyKeys: { get: missing },
  }) as PracticeStores;
}
