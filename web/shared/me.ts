import { z } from 'zod';

/**
 * `GET /api/me`: who the signed-in member of staff is and which practice they work for. The API validates
 * its responses against this schema; the console imports only the inferred type (no zod in the bundle).
 */
export const StaffSummary = z
  .object({
    name: z.string(),
    email: z.string(),
    role: z.string(),
  })
  .strict()
  .meta({ id: 'StaffSummary' });

export const PracticeSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    /** The practice's ODS code, e.g. `A81001`. */
    odsCode: z.string(),
    /** A demonstration practice: synthetic patients only. */
    demo: z.boolean(),
  })
  .strict()
  .meta({ id: 'PracticeSummary' });

export const MeResponse = z
  .object({
    staff: StaffSummary,
    practice: PracticeSummary,
  })
  .strict()
  .meta({ id: 'MeResponse' });

export type Me = z.infer<typeof MeResponse>;
