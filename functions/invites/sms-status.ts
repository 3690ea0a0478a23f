import type { PracticeBlindIndex } from '../../layers/crypto/blind-index';
import { MOBILE_INDEX_NAMESPACE, type PracticeSmsOptOuts } from '../../layers/records/sms-opt-outs';
import type { PhoneNumberVerdict } from '../../layers/sms/phone-number';

/** What a clinician is told when the patient has opted out (R8), in the words. */
export const OPTED_OUT_REASON = 'this patient has asked not to receive texts from the practice';

export interface SmsStatusView {
  textable: boolean;
  reason: string | null;
  optedOut: boolean;
}

export interface TextableNumber {
  e164: string;
  /** The blind index of the number in this practice: opt-outs and the per-number limit use it. */
  mobileIndex: string;
}

/**
 * Whether the practice may text this mobile: a number this deployment texts (a mobile of an allowed
 * country), and not one its patient opted out with. Shown at lookup time; checked again at each step.
 */
export async function smsStatusOf(
  deps: {
    parsePhone: (written: string | null | undefined) => PhoneNumberVerdict;
    blindIndex: PracticeBlindIndex;
  },
  optOuts: PracticeSmsOptOuts,
  mobile: string | null,
): Promise<{ status: SmsStatusView; number?: TextableNumber }> {
  const verdict = deps.parsePhone(mobile);
  if (!verdict.textable) return { status: { textable: false, reason: verdict.reason, optedOut: false } };
  const mobileIndex = await deps.blindIndex.of(optOuts.practiceId, MOBILE_INDEX_NAMESPACE, verdict.e164);
  const number = { e164: verdict.e164, mobileIndex };
  if (await optOuts.get(mobileIndex)) {
    return { status: { textable: false, reason: OPTED_OUT_REASON, optedOut: true }, number };
  }
  return { status: { textable: true, reason: null, optedOut: false }, number };
}
