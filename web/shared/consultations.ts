import type { output } from 'zod/v4/core';
import type {
  admitPatientRoute,
  getConsultationRoute,
  getVideoSettingsRoute,
  listConsultationsRoute,
} from '../../functions/consultations/routes';

/** The consultation routes' answers, inferred from their zod schemas (type-only: no zod in the bundle). */
export type ConsultationView = output<typeof getConsultationRoute.response.schema>;
export type ConsultationList = output<typeof listConsultationsRoute.response.schema>;
export type AdmitAnswer = output<typeof admitPatientRoute.response.schema>;
export type VideoSettings = output<typeof getVideoSettingsRoute.response.schema>;
export type WaitingPatient = ConsultationList['waiting'][number];
