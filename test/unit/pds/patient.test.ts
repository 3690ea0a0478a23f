import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  interpretPatient,
  type MatchedPatient,
  type NoMatchReason,
  type PatientOutcome,
} from '../../../layers/pds/patient';
import { formatNhsNumber } from '../../../layers/universal/nhs-number';
import { PDS_FIXTURES } from '../../support/fixtures';

const FIXTURES = join(PDS_FIXTURES, 'patients');
const SYNTHETIC = join(import.meta.dirname, '../../../infra/local/pds/patients');
const TODAY = '2025-06-01';

const readJson = (dir: string, file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8'));
const jsonFiles = (dir: string) => readdirSync(dir).filter((file) => file.endsWith('.json'));
const noMatch = (reason: NoMatchReason): PatientOutcome => ({ kind: 'no-match', reason });
const match = (patient: MatchedPatient): PatientOutcome => ({ kind: 'match', patient });

interface Expectation {
  /** The birth date a user would type: the record's own, unless said otherwise. */
  birthDate: string;
  outcome: PatientOutcome;
}

/** Every real PDS sandbox response, each looked up with its own number and (where it has one) birth date. */
const fixtureExpectations: Record<string, Expectation> = {
  // Right birth date, but dead: never a match.
  '9000000009.json': { birthDate: '2010-10-22', outcome: noMatch('deceased') },
  // Restricted (and also deceased): the safeguarding label is the reason recorded.
  '9000000025.json': { birthDate: '2010-10-22', outcome: noMatch('restricted') },
  // No name, no gender, no birth date.
  '9000000033.json': { birthDate: '2000-01-01', outcome: noMatch('no-birth-date') },
  // The usual name, not the old "Dr Roger Killen PhD"; no telecom, no GP.
  '9732110317.json': {
    birthDate: '1936-06-21',
    outcome: match({
      nhsNumber: '9732110317',
      birthDate: '1936-06-21',
      givenNames: ['Adrian'],
      familyName: 'Sanderson',
      displayName: 'Adrian Sanderson',
      gender: 'male',
      mobile: null,
      mobileEnding: null,
      gpOdsCode: null,
    }),
  },
};

function matched(
  nhsNumber: string,
  birthDate: string,
  givenNames: string[],
  familyName: string,
  gender: MatchedPatient['gender'],
  mobile: string | null,
  mobileEnding: string | null,
): Expectation {
  return {
    birthDate,
    outcome: match({
      nhsNumber,
      birthDate,
      givenNames,
      familyName,
      displayName: [...givenNames, familyName].join(' '),
      gender,
      mobile,
      mobileEnding,
      gpOdsCode: 'Y99999',
    }),
  };
}

/** The local PDS stand-in's patients, as infra/local/pds/patients/README.md describes them. */
const syntheticExpectations: Record<string, Expectation | { operationOutcome: string }> = {
  '9990000018.json': matched(
    '9990000018',
    '1980-04-12',
    ['Florence'],
    'Fictional',
    'female',
    '07700900123',
    '123',
  ),
  '9990000026.json': matched('9990000026', '1952-11-02', ['Bertram'], 'Madeup', 'male', '07700900234', '234'),
  '9990000034.json': matched('9990000034', '1999-07-30', ['Alex'], 'Notreal', 'other', '07700900345', '345'),
  '9990000042.json': matched(
    '9990000042',
    '2001-01-01',
    ['Sam'],
    'Pretendson',
    'unknown',
    '+44 7700 900456',
    '456',
  ),
  '9990000050.json': matched(
    '9990000050',
    '1970-05-05',
    ['Mary', 'Jane'],
    'Samplesby',
    'female',
    '07700900567',
    '567',
  ),
  '9990000069.json': matched(
    '9990000069',
    '2015-09-09',
    ['Oliver'],
    'Invention',
    'male',
    '07700900678',
    '678',
  ),
  '9990000077.json': matched(
    '9990000077',
    '1988-02-29',
    ['Priya'],
    'Demonstration',
    'female',
    '07700900789',
    '789',
  ),
  '9990000085.json': matched('9990000085', '1947-12-25', ['Harold'], 'Hypothetical', 'male', null, null),
  '9990000182.json': matched(
    '9990000182',
    '1975-06-15',
    ['Gareth'],
    'Testwood',
    'male',
    '07700900002',
    '002',
  ),
  '9990000190.json': matched(
    '9990000190',
    '1992-03-03',
    ['Ruth'],
    'Exampleby',
    'female',
    '07700900003',
    '003',
  ),
  '9990000204.json': matched(
    '9990000204',
    '1966-09-21',
    ['Imran'],
    'Sampleton',
    'male',
    '07700900009',
    '009',
  ),
  '9990000093.json': matched('9990000093', '1961-08-17', ['Edith'], 'Imaginary', 'female', null, null),
  '9990000107.json': { birthDate: '1990-10-10', outcome: noMatch('restricted') },
  '9990000115.json': { birthDate: '1975-03-03', outcome: noMatch('very-restricted') },
  '9990000123.json': { birthDate: '1931-04-01', outcome: noMatch('deceased') },
  '9990000131.json': { operationOutcome: 'INVALIDATED_RESOURCE' },
  // The old number answers with the record of the new one, birth date and all.
  '9990000158.json': { birthDate: '1983-06-06', outcome: noMatch('superseded') },
  '9990000166.json': matched(
    '9990000166',
    '1983-06-06',
    ['Nora'],
    'Newnumber',
    'female',
    '07700900166',
    '166',
  ),
};

describe('interpretPatient on the real PDS sandbox responses', () => {
  const files = jsonFiles(FIXTURES);

  it('has an expectation for every fixture, and a fixture for every expectation', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.sort()).toEqual(Object.keys(fixtureExpectations).sort());
  });

  it.each(files)('%s', (file) => {
    const expectation = fixtureExpectations[file];
    if (!expectation) throw new Error(`No expectation for ${file}: add one.`);
    const nhsNumber = file.replace(/\.json$/, '');
    const outcome = interpretPatient(
      readJson(FIXTURES, file),
      { nhsNumber, birthDate: expectation.birthDate },
      TODAY,
    );
    expect(outcome).toEqual(expectation.outcome);
  });
});

describe('interpretPatient on the synthetic patients of the local PDS stand-in', () => {
  const files = jsonFiles(SYNTHETIC);
  // What the demo shows is what the stand-in serves today; no period in these files is dated in the future.
  const today = new Date().toISOString().slice(0, 10);

  it('has an expectation for every file, and a file for every expectation', () => {
    expect(files.sort()).toEqual(Object.keys(syntheticExpectations).sort());
  });

  it.each(files)('%s', (file) => {
    const expectation = syntheticExpectations[file];
    if (!expectation) throw new Error(`No expectation for ${file}: add one.`);
    const resource = readJson(SYNTHETIC, file) as { resourceType?: unknown; issue?: unknown };
    if (resource.resourceType !== 'Patient') {
      // Served by the stand-in as a 404 with this body: the lookup never sees a Patient.
      expect('operationOutcome' in expectation).toBe(true);
      expect(resource.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(resource.issue)).toContain(
        (expectation as { operationOutcome: string }).operationOutcome,
      );
      return;
    }
    if ('operationOutcome' in expectation) throw new Error(`${file} was expected to be an OperationOutcome.`);
    const nhsNumber = file.replace(/\.json$/, '');
    for (const day of [TODAY, today]) {
      expect(interpretPatient(resource, { nhsNumber, birthDate: expectation.birthDate }, day)).toEqual(
        expectation.outcome,
      );
    }
  });

  it('uses only 999 NHS numbers and mobiles from the Ofcom drama range', () => {
    for (const file of files) {
      expect(file).toMatch(/^999\d{7}\.json$/);
      const text = readFileSync(join(SYNTHETIC, file), 'utf8');
      for (const [, value] of text.matchAll(/"value": "([^"]*)",\s*"use": "mobile"/g)) {
        expect(value?.replace(/\D/g, '').replace(/^44/, '0')).toMatch(/^07700900\d{3}$/);
      }
    }
  });

  it('lists every synthetic NHS number in the README that demo users read', () => {
    const readme = readFileSync(join(SYNTHETIC, 'README.md'), 'utf8');
    for (const file of files) expect(readme).toContain(formatNhsNumber(file.replace(/\.json$/, '')));
  });
});

/** A small, ordinary, unrestricted record; each case below changes one thing. */
function record(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: '9990000018',
    meta: {
      versionId: '1',
      security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'U' }],
    },
    name: [
      {
        use: 'usual',
        period: { start: '2020-01-01' },
        given: ['Jane', 'Anne'],
        family: 'Smith',
        prefix: ['Dr'],
      },
    ],
    gender: 'female',
    birthDate: '1980-04-12',
    telecom: [{ system: 'phone', use: 'mobile', value: '07700900123', period: { start: '2020-01-01' } }],
    generalPractitioner: [
      { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'Y99999' } },
    ],
    ...changes,
  };
}

const EXPECTED = { nhsNumber: '9990000018', birthDate: '1980-04-12' };
const interpret = (resource: unknown, expected = EXPECTED) => interpretPatient(resource, expected, TODAY);
const patientOf = (resource: unknown): MatchedPatient => {
  const outcome = interpret(resource);
  if (outcome.kind !== 'match') throw new Error(`Expected a match, got ${outcome.reason}.`);
  return outcome.patient;
};
const mobileOf = (telecom: unknown[]) => {
  const { mobile, mobileEnding } = patientOf(record({ telecom }));
  return { mobile, mobileEnding };
};

describe('interpretPatient', () => {
  it('matches an ordinary record, showing given names then family name without prefix', () => {
    expect(interpret(record())).toEqual(
      match({
        nhsNumber: '9990000018',
        birthDate: '1980-04-12',
        givenNames: ['Jane', 'Anne'],
        familyName: 'Smith',
        displayName: 'Jane Anne Smith',
        gender: 'female',
        mobile: '07700900123',
        mobileEnding: '123',
        gpOdsCode: 'Y99999',
      }),
    );
  });

  describe('birth date', () => {
    it('is a mismatch when one day off either way', () => {
      expect(interpret(record(), { ...EXPECTED, birthDate: '1980-04-11' })).toEqual(
        noMatch('birth-date-mismatch'),
      );
      expect(interpret(record(), { ...EXPECTED, birthDate: '1980-04-13' })).toEqual(
        noMatch('birth-date-mismatch'),
      );
    });

    it('must match exactly: a partial FHIR date is not the full date', () => {
      expect(interpret(record({ birthDate: '1980-04' }))).toEqual(noMatch('birth-date-mismatch'));
      expect(interpret(record({ birthDate: '1980' }))).toEqual(noMatch('birth-date-mismatch'));
    });

    it('is never matched by any other date', () => {
      fc.assert(
        fc.property(
          fc.date({ min: new Date('1890-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
          (date) => {
            const typed = date.toISOString().slice(0, 10);
            fc.pre(typed !== EXPECTED.birthDate);
            expect(interpret(record(), { ...EXPECTED, birthDate: typed })).toEqual(
              noMatch('birth-date-mismatch'),
            );
          },
        ),
      );
    });

    it('is "no-birth-date" when the record has none', () => {
      expect(interpret(record({ birthDate: undefined }))).toEqual(noMatch('no-birth-date'));
    });
  });

  describe('restricted records (R5)', () => {
    it('never match, even with the right birth date', () => {
      const label = (code: string) => ({ meta: { security: [{ code }] } });
      expect(interpret(record(label('R')))).toEqual(noMatch('restricted'));
      expect(interpret(record(label('V')))).toEqual(noMatch('very-restricted'));
    });

    it('never match whatever else the record holds, wherever the label is in the list', () => {
      const code = fc.constantFrom('U', 'R', 'V', 'N');
      fc.assert(
        fc.property(
          fc.array(code, { maxLength: 3 }),
          fc.constantFrom('R', 'V'),
          fc.array(code, { maxLength: 3 }),
          fc.boolean(),
          (before, restricted, after, deceased) => {
            const security = [...before, restricted, ...after].map((c) => ({ code: c }));
            const outcome = interpret(
              record({ meta: { security }, ...(deceased ? { deceasedBoolean: true } : {}) }),
            );
            expect(outcome.kind).toBe('no-match');
            const reason = security.some((label) => label.code === 'V') ? 'very-restricted' : 'restricted';
            expect(outcome).toEqual(noMatch(reason));
          },
        ),
      );
    });

    it('are reported as restricted whether or not the birth date matches', () => {
      const restricted = record({ meta: { security: [{ code: 'R' }] } });
      expect(interpret(restricted, { ...EXPECTED, birthDate: '1999-01-01' })).toEqual(noMatch('restricted'));
      expect(interpret({ ...restricted, birthDate: undefined })).toEqual(noMatch('restricted'));
    });

    it('are unreadable when the record carries no security label at all', () => {
      expect(interpret(record({ meta: { versionId: '1' } }))).toEqual(noMatch('unreadable'));
      expect(interpret(record({ meta: { security: [] } }))).toEqual(noMatch('unreadable'));
      expect(interpret(record({ meta: undefined }))).toEqual(noMatch('unreadable'));
    });
  });

  it('does not match a deceased patient, by date or by flag', () => {
    expect(interpret(record({ deceasedDateTime: '2024-01-15T00:00:00+00:00' }))).toEqual(noMatch('deceased'));
    expect(interpret(record({ deceasedBoolean: true }))).toEqual(noMatch('deceased'));
    expect(interpret(record({ deceasedBoolean: false })).kind).toBe('match');
  });

  it('calls a record for another number superseded', () => {
    expect(interpret(record({ id: '9990000166' }))).toEqual(noMatch('superseded'));
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'Patient'],
    ['a number', 9990000018],
    ['an array', [record()]],
    ['an empty object', {}],
    ['an OperationOutcome', readJson(join(PDS_FIXTURES, 'errors'), 'INVALIDATED_RESOURCE.json')],
    ['a Patient without id', record({ id: undefined })],
    ['a Patient whose id is not ten digits', record({ id: '999000001' })],
    ['a Patient whose id is a number', record({ id: 9990000018 })],
    ['a Patient whose names are not a list', record({ name: 'Jane Smith' })],
    ['a Patient with an unknown gender code', record({ gender: 'f' })],
    ['a Patient whose birth date is a number', record({ birthDate: 19800412 })],
    ['a Patient whose telecom is not a list', record({ telecom: { system: 'phone' } })],
  ])('calls %s unreadable', (_, resource) => {
    expect(interpret(resource)).toEqual(noMatch('unreadable'));
  });

  it('ignores fields it does not know, at every level', () => {
    const resource = record({
      extension: [{ url: 'https://example.org/new' }],
      multipleBirthInteger: 1,
      meta: {
        versionId: '9',
        lastUpdated: '2025-01-01',
        security: [{ code: 'U', display: 'unrestricted', x: 1 }],
      },
      name: [{ id: 'N1', use: 'usual', given: ['Jane'], family: 'Smith', suffix: ['MBE'], text: 'anything' }],
      telecom: [{ id: 'T1', system: 'phone', use: 'mobile', value: '07700900123', rank: 1, extension: [] }],
    });
    expect(patientOf(resource)).toMatchObject({ displayName: 'Jane Smith', mobileEnding: '123' });
  });

  describe('name', () => {
    const named = (name: unknown[]) => patientOf(record({ name })).displayName;

    it('prefers the current usual name over an ended one, whatever the order', () => {
      const ended = {
        use: 'usual',
        period: { start: '2000-01-01', end: '2019-12-31' },
        given: ['Ann'],
        family: 'Before',
      };
      const current = { use: 'usual', period: { start: '2020-01-01' }, given: ['Ann'], family: 'Now' };
      expect(named([ended, current])).toBe('Ann Now');
      expect(named([current, ended])).toBe('Ann Now');
    });

    it('counts a period that ends today as current, and one that starts tomorrow as not', () => {
      const endsToday = {
        use: 'usual',
        period: { start: '2000-01-01', end: TODAY },
        given: ['A'],
        family: 'Today',
      };
      const startsTomorrow = {
        use: 'usual',
        period: { start: '2025-06-02' },
        given: ['A'],
        family: 'Tomorrow',
      };
      expect(named([startsTomorrow, endsToday])).toBe('A Today');
    });

    it('falls back to any usual name when none is current', () => {
      const ended = { use: 'usual', period: { end: '2019-12-31' }, given: ['Ann'], family: 'Usual' };
      expect(named([{ use: 'nickname', given: ['Annie'], family: 'Nick' }, ended])).toBe('Ann Usual');
    });

    it('falls back to the first name that is not old when there is no usual name', () => {
      const old = { use: 'old', given: ['Roger'], family: 'Killen' };
      expect(
        named([old, { use: 'official', given: ['Adrian'], family: 'Sanderson' }, { family: 'Later' }]),
      ).toBe('Adrian Sanderson');
    });

    it('never uses an old name, even when it is the only one', () => {
      expect(interpret(record({ name: [{ use: 'old', given: ['Roger'], family: 'Killen' }] }))).toEqual(
        noMatch('unreadable'),
      );
    });

    it('is unreadable when a matching record has no name with a family name', () => {
      expect(interpret(record({ name: undefined }))).toEqual(noMatch('unreadable'));
      expect(interpret(record({ name: [] }))).toEqual(noMatch('unreadable'));
      expect(interpret(record({ name: [{ use: 'usual', given: ['Jane'], family: '  ' }] }))).toEqual(
        noMatch('unreadable'),
      );
    });

    it('leaves out prefix and suffix, and works with no given name', () => {
      const name = [{ use: 'usual', prefix: ['Dr'], suffix: ['PhD'], family: 'Smith' }];
      expect(patientOf(record({ name }))).toMatchObject({
        givenNames: [],
        familyName: 'Smith',
        displayName: 'Smith',
      });
    });
  });

  it('reports a missing gender as unknown', () => {
    expect(patientOf(record({ gender: undefined })).gender).toBe('unknown');
    expect(patientOf(record({ gender: 'other' })).gender).toBe('other');
  });

  describe('mobile', () => {
    const phone = (use: string, value: string, period?: object) => ({ system: 'phone', use, value, period });

    it('keeps the number as PDS gave it, and ends it with its last three digits only', () => {
      expect(mobileOf([phone('mobile', '+44 7700 900 123')])).toEqual({
        mobile: '+44 7700 900 123',
        mobileEnding: '123',
      });
      expect(mobileOf([phone('mobile', '07700 900-9 87 ')])).toEqual({
        mobile: '07700 900-9 87 ',
        mobileEnding: '987',
      });
    });

    it('ignores a mobile whose period has ended, or not yet begun', () => {
      expect(mobileOf([phone('mobile', '07700900111', { start: '2010-01-01', end: '2024-12-31' })])).toEqual({
        mobile: null,
        mobileEnding: null,
      });
      expect(
        mobileOf([
          phone('mobile', '07700900111', { start: '2010-01-01', end: '2024-12-31' }),
          phone('mobile', '07700900222', { start: '2026-01-01' }),
          phone('mobile', '07700900333', { start: '2025-01-01' }),
        ]),
      ).toEqual({ mobile: '07700900333', mobileEnding: '333' });
    });

    it('takes the first current mobile, with or without a period', () => {
      expect(mobileOf([phone('mobile', '07700900444'), phone('mobile', '07700900555')]).mobileEnding).toBe(
        '444',
      );
    });

    it('is null when there are only home phones, emails or other systems', () => {
      expect(
        mobileOf([
          phone('home', '01632960587'),
          { system: 'email', use: 'mobile', value: 'jane@example.com' },
          { system: 'other', use: 'mobile', value: '07700900666' },
          { system: 'sms', use: 'mobile', value: '07700900777' },
        ]),
      ).toEqual({ mobile: null, mobileEnding: null });
      expect(mobileOf([])).toEqual({ mobile: null, mobileEnding: null });
      expect(patientOf(record({ telecom: undefined })).mobile).toBeNull();
    });

    it('skips a mobile without a value or with fewer than three digits', () => {
      expect(
        mobileOf([
          { system: 'phone', use: 'mobile' },
          phone('mobile', 'x12'),
          phone('mobile', '07700900888'),
        ]),
      ).toEqual({ mobile: '07700900888', mobileEnding: '888' });
    });

    it('always ends in exactly three digits that end the mobile, whatever the formatting', () => {
      const formatting = fc.constantFrom('', ' ', '-', '(', ')', '+');
      fc.assert(
        fc.property(
          fc.array(fc.oneof(fc.constantFrom(...'0123456789'), formatting), { minLength: 1 }),
          (parts) => {
            const value = parts.join('');
            const digits = value.replace(/\D/g, '');
            const { mobile, mobileEnding } = mobileOf([phone('mobile', value)]);
            if (digits.length < 3)
              expect({ mobile, mobileEnding }).toEqual({ mobile: null, mobileEnding: null });
            else {
              expect(mobile).toBe(value);
              expect(mobileEnding).toBe(digits.slice(-3));
              expect(mobileEnding).toMatch(/^\d{3}$/);
            }
          },
        ),
      );
    });
  });

  describe('GP practice', () => {
    const gp = (identifier: object) => patientOf(record({ generalPractitioner: [{ identifier }] })).gpOdsCode;
    const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

    it('is the current registration, or null', () => {
      expect(gp({ system: ODS, value: 'Y12345', period: { start: '2020-01-01' } })).toBe('Y12345');
      expect(
        gp({ system: ODS, value: 'Y12345', period: { start: '2020-01-01', end: '2021-12-31' } }),
      ).toBeNull();
      expect(gp({ system: 'https://example.org/other', value: 'Y12345' })).toBeNull();
      expect(patientOf(record({ generalPractitioner: undefined })).gpOdsCode).toBeNull();
    });
  });
});
