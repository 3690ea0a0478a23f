import { describe, expect, it } from 'vitest';
import { auditKeys } from '../../../layers/audit/audit-log';
import { directoryKeys } from '../../../layers/directory/model';
import { kindOfItem, RECORD_KINDS, type RecordKind, sortKeyOf } from '../../../layers/records/record-kinds';

const kinds = Object.entries(RECORD_KINDS) as [keyof typeof RECORD_KINDS, RecordKind][];

describe('record kinds', () => {
  it('never let two kinds of one table claim the same sort key', () => {
    for (const [name, kind] of kinds) {
      for (const [other, otherKind] of kinds) {
        if (name === other || kind.table !== otherKind.table) continue;
        const overlaps =
          kind.sortKey === otherKind.sortKey ||
          (otherKind.sortKey.endsWith('#') && kind.sortKey.startsWith(otherKind.sortKey));
        expect(overlaps, `${name} and ${other}`).toBe(false);
      }
    }
  });

  it('name the kind of every key the stores build', () => {
    expect(kindOfItem('directory', directoryKeys.practice('p-1').sk)).toBe('practice');
    expect(kindOfItem('directory', directoryKeys.staff('p-1', 'sub-1').sk)).toBe('staff');
    expect(kindOfItem('directory', directoryKeys.invitation('p-1', 'A@nhs.net').sk)).toBe('invitation');
    expect(kindOfItem('audit', auditKeys.event('p-1', '2026-01-01T00:00:00.000Z', 'e-1').sk)).toBe(
      'auditEvent',
    );
    expect(kindOfItem('records', sortKeyOf('lookup', 'x'))).toBe('lookup');
    expect(kindOfItem('records', sortKeyOf('rateCounter', 'lookup#practice', '0'))).toBe('rateCounter');
  });

  it('know no kind of a sort key nobody declared, nor a kind in another table', () => {
    expect(kindOfItem('records', 'NOTAKIND#1')).toBeUndefined();
    expect(kindOfItem('records', 'CONSULTATION#1')).toBe('consultation');
    expect(kindOfItem('records', sortKeyOf('consent', 'x'))).toBe('consent');
    expect(kindOfItem('records', sortKeyOf('videoSettings'))).toBe('videoSettings');
    expect(kindOfItem('records', 'SETTINGS#other')).toBeUndefined();
    expect(kindOfItem('records', 'INVITE#1')).toBe('invite');
    expect(kindOfItem('audit', sortKeyOf('lookup', 'x'))).toBeUndefined();
    expect(kindOfItem('directory', 'PRACTICEX')).toBeUndefined();
  });

  it('export or discard every kind, saying why a discarded one is not the practice’s record', () => {
    for (const [name, kind] of kinds) {
      if ('discard' in kind.offboarding) expect(kind.offboarding.discard.length, name).toBeGreaterThan(10);
      else expect(kind.offboarding.exportAs, name).toMatch(/^[a-z][A-Za-z]+$/);
    }
  });
});
