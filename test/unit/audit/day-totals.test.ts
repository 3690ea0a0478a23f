import { describe, expect, it } from 'vitest';
import { addCounts, countByDay, emptyCounts, membersOf } from '../../../layers/audit/day-totals';

describe('day totals', () => {
  it('counts each event on the UK day of its time, by type and by each member involved', () => {
    const byDay = countByDay([
      { at: '2026-07-14T22:59:59.999Z', type: 'patient.lookup', actor: { sub: 'a' } },
      { at: '2026-07-14T23:00:00.000Z', type: 'patient.lookup', actor: { sub: 'a' } },
      {
        at: '2026-07-15T10:00:00.000Z',
        type: 'staff.role_changed',
        actor: { sub: 'admin' },
        subject: { sub: 'a' },
      },
      {
        at: '2026-07-15T11:00:00.000Z',
        type: 'staff.aup_accepted',
        actor: { sub: 'a' },
        subject: { sub: 'a' },
      },
    ]);
    expect([...byDay.keys()]).toEqual(['2026-07-14', '2026-07-15']);
    expect(byDay.get('2026-07-14')).toEqual({
      byType: { 'patient.lookup': 1 },
      byMember: { a: { 'patient.lookup': 1 } },
    });
    expect(byDay.get('2026-07-15')).toEqual({
      byType: { 'patient.lookup': 1, 'staff.role_changed': 1, 'staff.aup_accepted': 1 },
      byMember: {
        a: { 'patient.lookup': 1, 'staff.role_changed': 1, 'staff.aup_accepted': 1 },
        admin: { 'staff.role_changed': 1 },
      },
    });
  });

  it('counts a member once per event, as actor or subject, and never trusts shapes', () => {
    expect(membersOf({ actor: { sub: 'x' }, subject: { sub: 'x' } })).toEqual(['x']);
    expect(membersOf({ actor: 'nonsense', subject: { sub: 7 } })).toEqual([]);
    expect(countByDay([{ at: '2026-01-01T10:00:00Z', type: 42 }]).get('2026-01-01')?.byType).toEqual({
      unknown: 1,
    });
  });

  it('adds counts up', () => {
    const sum = addCounts(emptyCounts(), { byType: { a: 1 }, byMember: { m: { a: 1 } } });
    addCounts(sum, { byType: { a: 2, b: 1 }, byMember: { m: { b: 1 }, n: { a: 2 } } });
    expect(sum).toEqual({ byType: { a: 3, b: 1 }, byMember: { m: { a: 1, b: 1 }, n: { a: 2 } } });
  });
});
