import type { input, output } from 'zod/v4/core';
import type { createLookupRoute } from '../../functions/lookup/routes';

/**
 * `POST /api/lookups`: find a patient by NHS number and date of birth. Inferred from the route's zod schemas
 * (type-only: no zod in the bundle). The request is the schema's input: the NHS number as typed.
 */
export type LookupRequest = input<NonNullable<typeof createLookupRoute.request.body>>;
export type LookupResult = output<typeof createLookupRoute.response.schema>;
export type LookupMatch = Extract<LookupResult, { result: 'match' }>;
export type LookupNoMatch = Extract<LookupResult, { result: 'no-match' }>;
export type PatientGender = LookupMatch['patient']['gender'];
