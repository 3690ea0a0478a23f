import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES,
  presentRow,
  type ReportEvent,
  type RowContext,
  SECTIONS,
  sectionOf,
  typesOf,
} from '../../../functions/audit/event-catalogue';
import { AUDIT_EVENT_TYPES } from '../../../layers/audit/audit-log';

const NAMES: Record<string, string> = { clin: 'Dr Sam Patel', admin: 'Alex Morgan', rec: 'Chris Lee' };
const context = (patient?: RowContext['patient']): RowContext => ({
  staffName: (sub) => NAMES[sub] ?? `Unknown member (${sub})`,
  ...(patient ? { patient } : {}),
});

function event(
  type: string,
  details: Record<string, unknown>,
  extra: Partial<ReportEvent> = {},
): ReportEvent {
  return {
    eventId: 'evt-1',
    at: '2026-03-02T09:30:00.000Z',
    type,
    actor: { sub: 'clin', role: 'clinician' },
    details,
    requestId: 'req-1',
    ...extra,
  };
}

describe('the event catalogue', () => {
  it('declares every audit event type, each in a section that exists', () => {
    const sections = new Set(SECTIONS.map((section) => section.id));
    for (const type of AUDIT_EVENT_TYPES) {
      const presentation = (EVENT_TYPES as Record<string, { section: string; label: string }>)[type];
      expect(presentation, type).toBeDefined();
      expect(sections.has(presentation?.section as never), type).toBe(true);
      expect(presentation?.section).not.toBe('other');
    }
    expect(typesOf('lookups')).toEqual(['patient.lookup']);
  });

  it('shows a matched lookup with the patient as decrypted for the officer', () => {
    const row = presentRow(
      event('patient.lookup', {
        outcome: 'match',
        lookupId: 'l-1',
        nhsNumberIndex: 'idx',
        nhsNumberCiphertext: 'ct',
      }),
      context({ nhsNumber: '9990000018', name: 'Florence Fictional' }),
    );
    expect(row).toMatchObject({ section: 'lookups', label: 'Patient lookup', attention: false });
    expect(row.cells).toMatchObject({
      time: '02/03/2026, 09:30:00',
      staff: 'Dr Sam Patel',
      role: 'Clinician',
      patient: '999 000 0018',
      patientName: 'Florence Fictional',
      outcome: 'Match shown',
      detail: 'Name, gender and mobile ending shown',
      requestId: 'req-1',
      eventId: 'evt-1',
    });
    expect(row.description).toBe('Dr Sam Patel looked up a patient: match shown.');
  });

  it.each([
    ['restricted', 'Restricted record (safeguarding): not shown', true],
    ['very-restricted', 'Very restricted record (safeguarding): not shown', true],
    ['deceased', 'The patient is recorded as deceased: not shown', false],
    ['birth-date-mismatch', 'The date of birth did not match', false],
    ['not-found', 'No such NHS number at PDS', false],
  ])('shows the true reason of a no-match the clinician was not told: %s', (reason, words, attention) => {
    const row = presentRow(event('patient.lookup', { outcome: 'no-match', reason }), context());
    expect(row.cells.outcome).toBe('No match shown');
    expect(row.cells.detail).toBe(words);
    expect(row.attention).toBe(attention);
  });

  it('shows refused lookups: invalid input names the fields, a rate limit is flagged', () => {
    const invalid = presentRow(
      event('patient.lookup', { outcome: 'invalid-input', reason: 'body.nhsNumber' }),
      context(),
    );
    expect(invalid.cells).toMatchObject({
      outcome: 'Refused: invalid input',
      detail: 'Fields: body.nhsNumber',
    });
    const limited = presentRow(
      event('patient.lookup', { outcome: 'rate-limited', reason: 'user-hourly-limit' }),
      context(),
    );
    expect(limited.cells.detail).toBe('The member’s hourly limit of lookups was reached');
    expect(limited.attention).toBe(true);
  });

  it('shows staff changes with who did them to whom', () => {
    const role = presentRow(
      event(
        'staff.role_changed',
        { fromRole: 'receptionist', toRole: 'compliance_officer' },
        { actor: { sub: 'admin', role: 'practice_admin' }, subject: { sub: 'rec' } },
      ),
      context(),
    );
    expect(role).toMatchObject({ section: 'staff', label: 'Role changed' });
    expect(role.cells).toMatchObject({
      staff: 'Alex Morgan',
      member: 'Chris Lee',
      detail: 'Receptionist → Compliance officer',
    });
    const suspended = presentRow(
      event(
        'staff.suspended',
        { fromStatus: 'active', toStatus: 'suspended' },
        { actor: { sub: 'admin' }, subject: { sub: 'rec' } },
      ),
      context(),
    );
    expect(suspended.cells.detail).toBe('active → suspended');
    expect(suspended.attention).toBe(true);
  });

  it('shows the audit trail’s own events: report runs, downloads, integrity checks', () => {
    const run = presentRow(
      event('audit.report_run', { reportId: 'r', from: '2026-03-01', to: '2026-03-31', staffFilter: 'rec' }),
      context(),
    );
    expect(run.cells.detail).toBe('2026-03-01 to 2026-03-31; staff: Chris Lee');
    const broken = presentRow(
      event('audit.integrity_checked', {
        intact: false,
        breaks: 2,
        eventsChecked: 10,
        notYetSealed: 1,
        from: 'a',
        to: 'b',
      }),
      context(),
    );
    expect(broken).toMatchObject({ section: 'audit', attention: true });
    expect(broken.cells.outcome).toBe('2 break(s)');
  });

  it('shows a consultation’s end with how long the call lasted, and the patient and the app as actors', () => {
    const ended = presentRow(
      event(
        'consultation.ended',
        { consultationId: 'c-1', reason: 'clinician-ended', durationSeconds: 725 },
        { actor: { sub: 'clin' } },
      ),
      context(),
    );
    expect(ended).toMatchObject({ section: 'consultations', label: 'Consultation ended' });
    expect(ended.cells.detail).toBe('clinician-ended; in the call 12 min 5 s');
    const locked = presentRow(
      event('consultation.code_attempt', { consultationId: 'c-1', outcome: 'locked', codeWasRight: true }),
      context(),
    );
    expect(locked).toMatchObject({ section: 'consent', attention: true });
    expect(locked.cells.detail).toBe('refused: locked after too many wrong codes (this one was right)');
    const held = presentRow(event('invite.held', { inviteId: 'i-1', categories: 'abuse' }), context());
    expect(held).toMatchObject({ section: 'held-messages', attention: true });
    expect(held.cells.detail).toBe('Flagged: abuse');
  });

  it('still shows an event of a type it does not know, under Other events, without its patient references', () => {
    expect(sectionOf('sms.delivery_receipt_v9')).toBe('other');
    const row = presentRow(
      event('sms.delivery_receipt_v9', {
        status: 'DELIVERED',
        parts: 2,
        nhsNumberCiphertext: 'AAAA',
        nhsNumberIndex: 'idx',
        patientNameCiphertext: 'BBBB',
      }),
      context({ nhsNumber: '9990000018' }),
    );
    expect(row).toMatchObject({ section: 'other', label: 'Sms delivery receipt v9', attention: false });
    expect(row.cells.detail).toBe('status: DELIVERED; parts: 2');
    expect(row.cells.patient).toBe('999 000 0018');
    expect(JSON.stringify(row)).not.toContain('AAAA');
  });

  it('says when a patient reference cannot be decrypted, and names people it does not know', () => {
    const row = presentRow(
      event('patient.lookup', { outcome: 'match' }, { actor: { sub: 'gone' } }),
      context({ unreadable: true }),
    );
    expect(row.cells.patient).toBe('Cannot be decrypted');
    expect(row.cells.staff).toBe('Unknown member (gone)');
  });
});
