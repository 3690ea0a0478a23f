import { defineRoute } from '../../layers/http/route';
import { compactNhsNumber, nhsNumberProblem } from '../../layers/pds/nhs-number';
import * as z from '../../layers/validation/z';

/** The earliest date of birth accepted: nobody alive was born before it, so it can only be a typing slip. */
export const EARLIEST_BIRTH_DATE = '1890-01-01';

const NHS_NUMBER_MESSAGES = {
  'not-ten-digits': 'must be 10 digits, like 943 476 5919',
  'check-digit': 'is not valid: check it for a mistyped digit',
} as const;

export const NhsNumber = z.pipe(
  z.string().check(
    z.superRefine((typed, context) => {
      const problem = nhsNumberProblem(typed);
      if (problem)
        context.issues.push({ code: 'custom', message: NHS_NUMBER_MESSAGES[problem], input: typed });
    }),
  ),
  z.transform(compactNhsNumber),
);

/** Today's calendar date in the UK, where the practices are: a baby born this morning has a birth date. */
export function todayInLondon(now = new Date()): string {
  return now.toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
}

function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export const BirthDate = z.string().check(
  z.superRefine((value, context) => {
    const fail = (message: string) => context.issues.push({ code: 'custom', message, input: value });
    if (!isCalendarDate(value)) fail('must be a real date, written YYYY-MM-DD');
    else if (value > todayInLondon()) fail('must be in the past');
    else if (value < EARLIEST_BIRTH_DATE) fail('must be 1 January 1890 or later');
  }),
);

export const LookupRequest = z.strictObject({ nhsNumber: NhsNumber, birthDate: BirthDate });

export const PatientSummary = z.strictObject({
  /** The usual name as a person reads it: given names then family name. */
  name: z.string(),
  gender: z.enum(['male', 'female', 'other', 'unknown']),
  /** The last three digits of the current mobile number, or null when PDS has no current mobile. */
  mobileEnding: z.nullable(z.string().check(z.regex(/^\d{3}$/))),
});

export const NO_MATCH_MESSAGE =
  'No patient matches that NHS number and date of birth. Check both with the patient and try again.';

export const LookupResult = z.discriminatedUnion('result', [
  z.strictObject({
    result: z.literal('match'),
    /** What the invite step names; the patient's details stay on the server. */
    lookupId: z.string(),
    patient: PatientSummary,
    /** After this the lookup can no longer be used to invite: look the patient up again. */
    expiresAt: z.iso.datetime(),
  }),
  z.strictObject({ result: z.literal('no-match'), message: z.literal(NO_MATCH_MESSAGE) }),
]);
export type LookupResult = z.infer<typeof LookupResult>;

export const createLookupRoute = defineRoute({
  id: 'createLookup',
  method: 'POST',
  path: '/api/lookups',
  area: 'lookup',
  auth: 'staff',
  permission: 'patients.lookup',
  summary: 'Find a patient by NHS number and date of birth (NHS Personal Demographics Service)',
  description:
    'Exact match only: the NHS number and the date of birth must both match the PDS record. A match returns ' +
    'the name, gender and the last three digits of the mobile number, and a lookup id that the invite step ' +
    'uses; everything else the service knows stays on the server, encrypted, and expires. Unknown numbers, ' +
    'a different date of birth, restricted, deceased or invalidated records all answer the same "no match". ' +
    'Every lookup is audited. Limited per member per hour and per practice per day.',
  tags: ['patients'],
  request: {
    body: LookupRequest,
    example: { body: { nhsNumber: '999 000 0018', birthDate: '1980-04-12' } },
  },
  response: { status: 200, description: 'A match, or the one "no match" answer', schema: LookupResult },
  errors: [429, 503],
  pds: true,
  lambda: { timeoutSeconds: 15 },
  tables: {
    // Read-write: the practice's blind-index key is made (wrapped under its key) on first use.
    directory: { access: 'readwrite', scope: 'practice' },
    records: { access: 'readwrite', scope: 'practice' },
    audit: { access: 'readwrite', scope: 'practice' },
  },
});

export const lookupRoutes = [createLookupRoute];
