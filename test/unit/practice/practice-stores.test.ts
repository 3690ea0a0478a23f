import { describe, expect, it } from 'vitest';
import {
  CrossPracticeError,
  PracticeAuditLog,
  PracticeDirectory,
} from '../../../layers/practice/practice-stores';
import { directoryWithMember, discardingAuditLog, staffMember } from '../../support/fake-directory';

describe('stores opened for one practice', () => {
  const member = staffMember({ practiceId: 'practice-a', sub: 'u1' });

  it('read only that practice’s records', async () => {
    const store = directoryWithMember(member);
    expect(await new PracticeDirectory(store, 'practice-a').getStaff('u1')).toEqual(member);
    expect(await new PracticeDirectory(store, 'practice-b').getStaff('u1')).toBeUndefined();
  });

  it('refuse to write a record of another practice', async () => {
    const store = directoryWithMember(member);
    const written: string[] = [];
    store.replaceStaff = async (s) => {
      written.push(s.practiceId);
    };
    store.createStaff = async (s) => {
      written.push(s.practiceId);
    };
    const b = new PracticeDirectory(store, 'practice-b');
    await expect(b.replaceStaff(member, member.updatedAt)).rejects.toThrow(CrossPracticeError);
    await expect(b.createStaff(member)).rejects.toThrow(CrossPracticeError);
    expect(written).toEqual([]);
  });

  it('file every audit event under their own practice, whatever the caller passes', async () => {
    const recorded: string[] = [];
    const log = discardingAuditLog();
    const inner = log.record;
    log.record = async (event) => {
      recorded.push(event.practiceId);
      return inner(event);
    };
    const audit = new PracticeAuditLog(log, 'practice-a');
    await audit.record({
      type: 'staff.approved',
      actor: { sub: 'x' },
      details: {},
      ...({ practiceId: 'practice-b' } as object),
    });
    expect(recorded).toEqual(['practice-a']);
  });
});
