import * as z from '../validation/z';

/**
 * One PDS FHIR R4 `Patient` (the body of `GET /Patient/{nhsNumber}`) turned into what a lookup may show.
 * The body is untrusted JSON: it is parsed, never cast. PDS adds fields and extensions over time, so every
 * object is loose and only the fields read here are checked.
 */

export type NoMatchReason =
  | 'not-found'
  | 'invalidated'
  | 'superseded'
  | 'birth-date-mismatch'
  | 'no-birth-date'
  | 'restricted'
  | 'very-restricted'
  | 'deceased'
  | 'unreadable';

export interface MatchedPatient {
  /** 10 digits, from `resource.id`. */
  nhsNumber: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  givenNames: string[];
  familyName: string;
  /** Given names then family name, as a person reads it ("Jane Anne Smith"); no prefix or suffix. */
  displayName: string;
  gender: 'male' | 'female' | 'other' | 'unknown';
  /** The current mobile exactly as PDS gave it, or null. */
  mobile: string | null;
  /** The last three digits of `mobile` (digits only), or null. */
  mobileEnding: string | null;
  /** The ODS code of the current registered GP practice, or null. */
  gpOdsCode: string | null;
}

export type PatientOutcome =
  | { kind: 'match'; patient: MatchedPatient }
  | { kind: 'no-match'; reason: NoMatchReason };

const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

const Period = z.looseObject({ start: z.optional(z.string()), end: z.optional(z.string()) });

const HumanName = z.looseObject({
  use: z.optional(z.string()),
  period: z.optional(Period),
  given: z.optional(z.array(z.string())),
  family: z.optional(z.string()),
});

const ContactPoint = z.looseObject({
  system: z.optional(z.string()),
  value: z.optional(z.string()),
  use: z.optional(z.string()),
  period: z.optional(Period),
});

const GeneralPractitioner = z.looseObject({
  identifier: z.optional(
    z.looseObject({
      system: z.optional(z.string()),
      value: z.optional(z.string()),
      period: z.optional(Period),
    }),
  ),
});

const Patient = z.looseObject({
  resourceType: z.literal('Patient'),
  id: z.string().check(z.regex(/^\d{10}$/)),
  meta: z.looseObject({
    // PDS always labels a record U, R or V. No label means we cannot know it is unrestricted: unreadable.
    security: z.array(z.looseObject({ code: z.string() })).check(z.minLength(1)),
  }),
  name: z.optional(z.array(HumanName)),
  gender: z.optional(z.enum(['male', 'female', 'other', 'unknown'])),
  birthDate: z.optional(z.string()),
  deceasedDateTime: z.optional(z.string()),
  deceasedBoolean: z.optional(z.boolean()),
  telecom: z.optional(z.array(ContactPoint)),
  generalPractitioner: z.optional(z.array(GeneralPractitioner)),
});
type Patient = z.infer<typeof Patient>;
type HumanName = z.infer<typeof HumanName>;
type Period = z.infer<typeof Period>;

const noMatch = (reason: NoMatchReason): PatientOutcome => ({ kind: 'no-match', reason });

/**
 * Match only when the record is the one asked for, unrestricted, alive, and born on exactly the date given.
 * The reason is for the audit trail; callers answer every no-match the same way.
 */
export function interpretPatient(
  resource: unknown,
  expected: { nhsNumber: string; birthDate: string },
  today: string,
): PatientOutcome {
  const parsed = Patient.safeParse(resource);
  if (!parsed.success) return noMatch('unreadable');
  const patient = parsed.data;

  // PDS answers a superseded (merged) number with the record of the number that replaced it.
  if (patient.id !== expected.nhsNumber) return noMatch('superseded');

  // R5, safeguarding: restricted records are never shown, whatever else is true of them. Checked before the
  // birth date so that a restricted record can never reach the match below.
  const labels = new Set(patient.meta.security.map((label) => label.code));
  if (labels.has('V')) return noMatch('very-restricted');
  if (labels.has('R')) return noMatch('restricted');

  if (patient.deceasedDateTime !== undefined || patient.deceasedBoolean === true) return noMatch('deceased');

  // Exact string comparison: a partial FHIR date ("1980-04") never equals a full one, so it never matches.
  if (patient.birthDate === undefined) return noMatch('no-birth-date');
  if (patient.birthDate !== expected.birthDate) return noMatch('birth-date-mismatch');

  const name = chooseName(patient.name ?? [], today);
  if (!name) return noMatch('unreadable');

  const mobile = currentMobile(patient, today);
  return {
    kind: 'match',
    patient: {
      nhsNumber: patient.id,
      birthDate: patient.birthDate,
      givenNames: name.givenNames,
      familyName: name.familyName,
      displayName: [...name.givenNames, name.familyName].join(' '),
      gender: patient.gender ?? 'unknown',
      mobile: mobile?.value ?? null,
      mobileEnding: mobile?.ending ?? null,
      gpOdsCode: currentGpOdsCode(patient, today),
    },
  };
}

/**
 * Whether a FHIR period covers `today` (YYYY-MM-DD). Bounds may be dateTimes: their date part is compared,
 * so a period ending today still counts today. A missing period or bound is open.
 */
function isCurrent(period: Period | undefined, today: string): boolean {
  const start = period?.start?.slice(0, 10);
  const end = period?.end?.slice(0, 10);
  return (start === undefined || start <= today) && (end === undefined || end >= today);
}

/**
 * The name the patient goes by: the current `usual` name, else any `usual` name, else the first other name.
 * `old` names (former names PDS keeps) are never used, nor names without a family name.
 */
function chooseName(
  names: HumanName[],
  today: string,
): { givenNames: string[]; familyName: string } | undefined {
  const usable = names.filter((name) => name.use !== 'old' && (name.family?.trim() ?? '') !== '');
  const usual = usable.filter((name) => name.use === 'usual');
  const chosen = usual.find((name) => isCurrent(name.period, today)) ?? usual[0] ?? usable[0];
  if (!chosen?.family) return undefined;
  return {
    givenNames: (chosen.given ?? []).map((given) => given.trim()).filter((given) => given !== ''),
    familyName: chosen.family.trim(),
  };
}

/** The first current mobile phone. One with fewer than three digits cannot be texted and counts as none. */
function currentMobile(patient: Patient, today: string): { value: string; ending: string } | undefined {
  for (const contact of patient.telecom ?? []) {
    if (contact.system !== 'phone' || contact.use !== 'mobile' || !isCurrent(contact.period, today)) continue;
    const digits = contact.value?.replace(/\D/gu, '') ?? '';
    if (contact.value !== undefined && digits.length >= 3)
      return { value: contact.value, ending: digits.slice(-3) };
  }
  return undefined;
}

/** The ODS code of the current registered practice (PDS strips it from restricted records). */
function currentGpOdsCode(patient: Patient, today: string): string | null {
  for (const gp of patient.generalPractitioner ?? []) {
    const identifier = gp.identifier;
    if (identifier?.system === ODS_SYSTEM && identifier.value && isCurrent(identifier.period, today)) {
      return identifier.value;
    }
  }
  return null;
}
