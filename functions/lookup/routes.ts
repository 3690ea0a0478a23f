import { defineRoute } from '../../layers/http/route';
import {
  EARLIEST_BIRTH_DATE,
  EARLIEST_BIRTH_DATE_TEXT,
  isCalendarDate,
  todayInLondon,
} from '../../layers/universal/birth-date';
import { compactNhsNumber, NHS_NUMBER_PROBLEMS, nhsNumberProblem } from '../../layers/universal/nhs-number';
import * as z from '../../layers/validation/z';
import { SmsStatus } from '../invites/routes';
import { LookupSettings } from './lookup-settings';

export const NhsNumber = z.pipe(
  z.string().check(
    z.superRefine((typed, context) => {
      const problem = nhsNumberProblem(typed);
      if (problem)
        context.issues.push({ code: 'custom', message: NHS_NUMBER_PROBLEMS[problem], input: typed });
    }),
  ),
  z.transform(compactNhsNumber),
);

export const BirthDate = z.string().check(
  z.superRefine((value, context) => {
    const fail = (message: string) => context.issues.push({ code: 'custom', message, input: value });
    if (!isCalendarDate(value)) fail('must be a real date, written YYYY-MM-DD');
    else if (value > todayInLondon()) fail('must be in the past');
    else if (value < EARLIEST_BIRTH_DATE) fail(`must be ${EARLIEST_BIRTH_DATE_TEXT} or later`);
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
    /** Whether the patient can be invited by text, and in plain words why not. */
    sms: SmsStatus,
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
  errors: [413, 415, 429, 503],
  everyAttemptAudited: { event: 'patient.lookup', counters: 'lookup#' },
  // Across the stage: a busy practice makes a lookup every few seconds; PDS is shared by everyone.
  throttle: { rateLimit: 10, burstLimit: 20 },
  uses: ['pds', 'practice-keys'],
  settings: LookupSettings,
  alarms: [
    {
      metric: 'LookupRateLimited',
      threshold: 10,
      periodMinutes: 60,
      description:
        'Lookups refused by their rate limits 10 or more times in an hour: possible enumeration of NHS ' +
        'numbers (see the practice audit trail), or limits set too low.',
    },
  ],
  lambda: { timeoutSeconds: 15 },
  tables: {
    // Reads the caller's record, the practice's and its wrapped data key; puts the data key (wrapped under
    // the practice's key) on first use. Never updates or deletes there.
    directory: { access: 'readappend', scope: 'practice' },
    records: { access: 'readwrite', scope: 'practice' },
    audit: { access: 'append', scope: 'practice' },
  },
});

export const lookupRoutes = [createLookupRoute];
