/**
 * How a video consultation's state reads to staff, in words: shared by the API (which sends the words) and
 * the console (which shows them and the badge). Pure: no imports.
 */

export const CONSULTATION_STATUSES = [
  'invited',
  'link-opened',
  'locked',
  'device-check',
  'waiting',
  'admitted',
  'in-call',
  'reconnecting',
  'ended',
] as const;
export type ConsultationStatus = (typeof CONSULTATION_STATUSES)[number];

export interface DeviceCheckAnswers {
  browserSupported: boolean;
  camera: boolean;
  microphone: boolean;
  microphoneLevel: boolean;
  network: 'good' | 'unreachable' | 'not-checked';
}

/** "camera ✓, microphone ✓, network good": what the clinician sees of the patient's device check. */
export function deviceCheckText(answers: DeviceCheckAnswers): string {
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const parts = [`camera ${mark(answers.camera)}`, `microphone ${mark(answers.microphone)}`];
  if (answers.microphone && !answers.microphoneLevel) parts.push('microphone silent');
  parts.push(
    answers.network === 'good'
      ? 'network good'
      : answers.network === 'unreachable'
        ? 'network cannot reach the video service'
        : 'network not checked',
  );
  if (!answers.browserSupported) parts.push('browser not supported');
  return parts.join(', ');
}

export const END_REASON_TEXT: Record<string, string> = {
  'clinician-ended': 'ended by the clinician',
  'patient-left': 'the patient left',
  'patient-removed': 'the patient was removed',
  'patient-disconnected': 'patient disconnected',
  'meeting-ended': 'the video service ended the meeting',
};

export const DISSENT_STEP_TEXT: Record<string, string> = {
  'code-entry': 'before entering the code',
  'device-check': 'during the device check',
  waiting: 'in the waiting room',
  admitted: 'while joining the video',
  'in-call': 'during the video call',
};

/** "4 minutes", "1 minute", "less than a minute". */
export function waitedText(seconds: number): string {
  if (seconds < 60) return 'less than a minute';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  return `${Math.floor(minutes / 60)} hours`;
}

export function statusText(
  status: ConsultationStatus,
  facts: { endReason?: string; waitedSeconds?: number; wrongCodes?: number } = {},
): string {
  switch (status) {
    case 'invited':
      return 'invited: link not opened yet';
    case 'link-opened':
      return 'link opened';
    case 'locked':
      return 'locked: too many wrong codes';
    case 'device-check':
      return 'code accepted: checking camera and microphone';
    case 'waiting':
      return facts.waitedSeconds === undefined
        ? 'waiting to be let in'
        : `waiting for ${waitedText(facts.waitedSeconds)}`;
    case 'admitted':
      return 'let in: joining the video';
    case 'in-call':
      return 'in the video call';
    case 'reconnecting':
      return 'patient reconnecting';
    case 'ended':
      return `ended: ${END_REASON_TEXT[facts.endReason ?? ''] ?? 'ended'}`;
  }
}
