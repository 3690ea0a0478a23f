import { wholeNumberSetting } from '../../layers/config/base-config';
import * as z from '../../layers/validation/z';

/** The consultation area's settings (CDK context `-c consultationGraceSeconds=180`; variables locally). */
export const ConsultationSettings = z.object({
  /**
   * How long a patient whose connection dropped has to come back before the consultation ends as "patient
   * disconnected". Chime reports a drop after 10–15 s without packets; two minutes covers a phone moving
   * from Wi-Fi to mobile data, a tunnel, a browser reload.
   */
  CONSULTATION_GRACE_SECONDS: wholeNumberSetting({ min: 15, max: 900, fallback: 120 }),
});
export type ConsultationSettings = z.infer<typeof ConsultationSettings>;
