import { MEDIA_REGION_NAMES, type MediaRegion } from '../../layers/meetings/regions';
import type { PracticeStores } from '../../layers/practice/practice-stores';
import type { StoredConsultation } from '../../layers/records/consultation-records';
import {
  type ConsultationStatus,
  DISSENT_STEP_TEXT,
  deviceCheckText,
  statusText,
  waitedText,
} from '../../layers/universal/consultation-status';
import { MAX_WRONG_CODES } from '../join/join-rules';
import { effectiveRegion, stateOf } from './consultations';
import type { JoinableInvites } from './joinable-invites';
import type { ConsultationView } from './routes';

export function statusOf(consultation: StoredConsultation): ConsultationStatus {
  const state = stateOf(consultation);
  if (consultation.closedAt || state?.phase === 'ended') return 'ended';
  if (state) {
    if (state.patient.presence === 'reconnecting') return 'reconnecting';
    if (state.phase === 'in-call') return 'in-call';
    if (state.phase === 'admitted') return 'admitted';
  }
  if (consultation.code.wrong >= MAX_WRONG_CODES) return 'locked';
  if (consultation.step === 'waiting') return 'waiting';
  if (consultation.step === 'device-check') return 'device-check';
  return consultation.linkOpenedAt ? 'link-opened' : 'invited';
}

const DISSENT_HOW: Record<string, string> = {
  'left-meeting': 'left the video',
  'left-page': 'left the page',
  'removed-by-clinician': 'was removed by the clinician',
};

export function waitedSeconds(consultation: StoredConsultation, now: Date): number | undefined {
  if (!consultation.waitingSince) return undefined;
  return Math.max(0, Math.floor((now.getTime() - Date.parse(consultation.waitingSince)) / 1000));
}

export function viewOf(
  consultation: StoredConsultation,
  extra: { patientName: string | null; mediaRegion: MediaRegion; now: Date },
): ConsultationView {
  const state = stateOf(consultation);
  const status = statusOf(consultation);
  const waited = status === 'waiting' ? waitedSeconds(consultation, extra.now) : undefined;
  const endReason = consultation.closedReason ?? state?.ended?.reason;
  const dissent = consultation.dissent;
  return {
    consultationId: consultation.inviteId,
    patientName: extra.patientName,
    status,
    statusText: statusText(status, {
      ...(endReason ? { endReason } : {}),
      ...(waited !== undefined ? { waitedSeconds: waited } : {}),
    }),
    wrongCodes: consultation.code.wrong,
    consentedAt: consultation.consentedAt ?? null,
    deviceCheck: consultation.deviceCheck
      ? {
          at: consultation.deviceCheck.at,
          summary: consultation.deviceCheck.summary,
          text: deviceCheckText(consultation.deviceCheck.summary),
        }
      : null,
    waitingSince: consultation.waitingSince ?? null,
    mediaRegion: extra.mediaRegion,
    mediaRegionName: MEDIA_REGION_NAMES[extra.mediaRegion],
    regionChangeable: !consultation.meeting && !consultation.closedAt,
    patientPresence: state?.patient.presence ?? 'not-joined',
    clinicianPresence: state?.clinician.presence ?? 'not-joined',
    call: {
      startedAt: consultation.call?.startedAt ?? null,
      durationSeconds: consultation.call?.durationSeconds ?? null,
    },
    dissent: dissent
      ? {
          ...dissent,
          text: `The patient ${DISSENT_HOW[dissent.reason] ?? 'left'} ${DISSENT_STEP_TEXT[dissent.step] ?? ''}`.trim(),
        }
      : null,
    ended: consultation.closedAt && endReason ? { at: consultation.closedAt, reason: endReason } : null,
    host: consultation.host?.name ?? null,
    events: consultation.events.map((entry) => ({ ...entry, detail: entry.detail ?? null })),
    usage: consultation.usage
      ? { ...consultation.usage, networkType: consultation.usage.networkType ?? null }
      : null,
  };
}

/** The patient's name for staff screens; a failure to read it (a deleted invite) shows as null. */
export async function patientNameOf(
  invites: JoinableInvites,
  practiceId: string,
  consultationId: string,
): Promise<string | null> {
  const invite = await invites.get(practiceId, consultationId).catch(() => undefined);
  if (!invite) return null;
  return (await invites.patientName(invite).catch(() => undefined)) ?? null;
}

export async function consultationView(
  invites: JoinableInvites,
  stores: PracticeStores,
  consultation: StoredConsultation,
  now = new Date(),
): Promise<ConsultationView> {
  const [patientName, mediaRegion] = await Promise.all([
    patientNameOf(invites, stores.consultations.practiceId, consultation.inviteId),
    effectiveRegion(stores, consultation),
  ]);
  return viewOf(consultation, { patientName, mediaRegion, now });
}

/** The waiting room (longest waiting first) and the consultations of the last day, for the console. */
export async function listConsultations(invites: JoinableInvites, stores: PracticeStores, now = new Date()) {
  const all = await stores.consultations.list();
  const dayAgo = now.getTime() - 86_400_000;
  const recent = all.filter(
    (consultation) => !consultation.closedAt || Date.parse(consultation.closedAt) >= dayAgo,
  );
  const practiceId = stores.consultations.practiceId;
  const names = new Map(
    await Promise.all(
      recent.map(
        async (consultation) =>
          [consultation.inviteId, await patientNameOf(invites, practiceId, consultation.inviteId)] as const,
      ),
    ),
  );
  const waiting = recent
    .filter((consultation) => statusOf(consultation) === 'waiting' && consultation.waitingSince)
    .map((consultation) => {
      const seconds = waitedSeconds(consultation, now) ?? 0;
      return {
        consultationId: consultation.inviteId,
        patientName: names.get(consultation.inviteId) ?? null,
        waitingSince: consultation.waitingSince as string,
        waitedSeconds: seconds,
        waitedText: waitedText(seconds),
      };
    })
    .sort((a, b) => a.waitingSince.localeCompare(b.waitingSince));
  return {
    waiting,
    consultations: recent.map((consultation) => {
      const status = statusOf(consultation);
      const endReason = consultation.closedReason;
      const seconds = waitedSeconds(consultation, now);
      return {
        consultationId: consultation.inviteId,
        patientName: names.get(consultation.inviteId) ?? null,
        status,
        statusText: statusText(status, {
          ...(endReason ? { endReason } : {}),
          ...(status === 'waiting' && seconds !== undefined ? { waitedSeconds: seconds } : {}),
        }),
        updatedAt: consultation.events.at(-1)?.at ?? consultation.createdAt,
      };
    }),
  };
}
