import { useCallback, useEffect, useRef, useState } from 'react';
import { DISSENT_STEP_TEXT, END_REASON_TEXT } from '../../../../layers/universal/consultation-status';
import type { AdmitAnswer, ConsultationView, VideoSettings } from '../../../shared/consultations';
import type { VideoSession } from '../../../shared/video/video-session';
import { ApiError } from '../../api/client';
import { Tag, type TagColour } from '../../components/Tag';
import { usePolling } from '../../components/use-polling';
import { useLoadedMe } from '../../me';
import { Link, type RouteParams } from '../../router/router';
import { useServices } from '../../services';

export const CONSULTATIONS_PATH = '/consultations';

const STATUS_COLOURS: Record<ConsultationView['status'], TagColour> = {
  invited: 'grey',
  'link-opened': 'blue',
  locked: 'red',
  'device-check': 'blue',
  waiting: 'yellow',
  admitted: 'aqua-green',
  'in-call': 'green',
  reconnecting: 'orange',
  ended: 'grey',
};

const EVENT_TEXT: Record<string, (detail: string | null) => string> = {
  'link-opened': () => 'Opened the link',
  'code-wrong': (d) => `Wrong code entered (${d ?? '?'} of 5)`,
  locked: () => 'Locked: too many wrong codes',
  'code-accepted': () => 'Code accepted: consent recorded',
  'device-check': (d) => `Device check: ${d ?? ''}`,
  waiting: () => 'In the waiting room',
  admitted: () => 'Let in',
  joined: () => 'Joined the video',
  reconnecting: () => 'Connection lost: reconnecting',
  rejoined: () => 'Reconnected',
  dissent: (d) => `Left ${DISSENT_STEP_TEXT[(d ?? '').split(':')[0] ?? ''] ?? ''} (dissent)`,
  ended: (d) => `Consultation ended: ${END_REASON_TEXT[d ?? ''] ?? ''}`,
  'opted-out': () => 'Asked the practice to stop texting them',
  'region-changed': (d) => `Video region set to ${d ?? ''}`,
};

const time = (iso: string) =>
  new Date(iso).toLocaleTimeString('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  });

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/** The call: both videos, mute, camera, end; the clinician's own join info only ever lives in memory here. */
function useCall(config: ReturnType<typeof useServices>['config']) {
  const sessionRef = useRef<VideoSession | undefined>(undefined);
  const localRef = useRef<HTMLVideoElement>(null);
  const remoteRef = useRef<HTMLVideoElement>(null);
  const audioRef = useRef<HTMLAudioElement>(null);
  const [state, setState] = useState<'idle' | 'joining' | 'in-call' | 'ended'>('idle');
  const [muted, setMuted] = useState(false);
  const [cameraOn, setCameraOn] = useState(true);
  const [remoteDropped, setRemoteDropped] = useState(false);
  const [ownReconnecting, setOwnReconnecting] = useState(false);

  const join = useCallback(
    async (answer: AdmitAnswer) => {
      if (sessionRef.current) return;
      setState('joining');
      const { createVideoSession } = await import('../../../shared/video/create-video-session');
      const session = await createVideoSession(config.video);
      sessionRef.current = session;
      const local = localRef.current;
      const remote = remoteRef.current;
      if (local && remote)
        session.bind({ local, remote, ...(audioRef.current ? { audio: audioRef.current } : {}) });
      session.on('remote-joined', () => setRemoteDropped(false));
      session.on('remote-left', (event) => setRemoteDropped(event.reason === 'dropped'));
      session.on('reconnecting', () => setOwnReconnecting(true));
      session.on('reconnected', () => setOwnReconnecting(false));
      session.on('ended', () => {
        sessionRef.current = undefined;
        setState('ended');
      });
      await session.join(answer.joinInfo);
      setState('in-call');
    },
    [config.video],
  );

  const leave = useCallback(async () => {
    await sessionRef.current?.leave();
    sessionRef.current = undefined;
  }, []);

  useEffect(() => () => void sessionRef.current?.leave(), []);

  return {
    state,
    join,
    leave,
    refs: { localRef, remoteRef, audioRef },
    muted,
    cameraOn,
    remoteDropped,
    ownReconnecting,
    toggleMute: () => {
      const session = sessionRef.current;
      if (!session) return;
      if (session.muted) session.unmute();
      else session.mute();
      setMuted(session.muted);
    },
    toggleCamera: async () => {
      const session = sessionRef.current;
      if (!session) return;
      if (session.cameraIsOn) await session.cameraOff();
      else await session.cameraOn();
      setCameraOn(session.cameraIsOn);
    },
  };
}

export function ConsultationPage({ params }: { params: RouteParams }) {
  const consultationId = params.consultationId ?? '';
  const me = useLoadedMe();
  const { api, config } = useServices();
  const canHost = me.permissions.includes('consultations.host');
  const { data, error, refresh, setData } = usePolling(
    (signal) => api.get<ConsultationView>(`/consultations/${encodeURIComponent(consultationId)}`, { signal }),
    2_000,
  );
  const [settings, setSettings] = useState<VideoSettings>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [resent, setResent] = useState<string>();
  const [region, setRegion] = useState<string>();
  const [now, setNow] = useState(Date.now());
  const call = useCall(config);

  useEffect(() => {
    void api.get<VideoSettings>('/practice/video-settings').then(setSettings, () => undefined);
  }, [api]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await work();
    } catch (caught) {
      setProblem(caught instanceof ApiError ? caught.detail : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  };

  const admit = () =>
    act(async () => {
      const answer = await api.post<AdmitAnswer>(
        `/consultations/${encodeURIComponent(consultationId)}/admit`,
        {
          ...(region && data?.regionChangeable ? { mediaRegion: region } : {}),
        },
      );
      setData(answer.consultation);
      await call.join(answer);
    });

  const end = () =>
    act(async () => {
      await call.leave();
      setData(
        await api.post<ConsultationView>(`/consultations/${encodeURIComponent(consultationId)}/end`, {}),
      );
    });

  const resend = () =>
    act(async () => {
      const sent = await api.post<{ inviteId: string }>(
        `/invites/${encodeURIComponent(consultationId)}/resend`,
        undefined,
        {
          headers: { 'idempotency-key': crypto.randomUUID() },
        },
      );
      setResent(sent.inviteId);
    });

  const saveRegion = () =>
    act(async () => {
      if (!region) return;
      setData(
        await api.put<ConsultationView>(`/consultations/${encodeURIComponent(consultationId)}/region`, {
          mediaRegion: region,
        }),
      );
    });

  if (!data) {
    return (
      <>
        <h1>Video consultation</h1>
        <p>{error instanceof ApiError ? error.detail : 'Loading…'}</p>
      </>
    );
  }

  const over = data.status === 'ended';
  const waiting = data.status === 'waiting';
  const inProgress =
    data.status === 'admitted' || data.status === 'in-call' || data.status === 'reconnecting';
  const callSeconds =
    data.call.durationSeconds ??
    (data.call.startedAt ? Math.max(0, Math.floor((now - Date.parse(data.call.startedAt)) / 1000)) : null);
  const showVideo = call.state !== 'idle' && call.state !== 'ended';

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-full">
        <h1>
          <span className="nhsuk-caption-l">Video consultation</span>
          <span id="consultation-patient">{data.patientName ?? 'Patient'}</span>
        </h1>
        <p>
          <Tag colour={STATUS_COLOURS[data.status]} id="consultation-status">
            {data.statusText}
          </Tag>
          {callSeconds !== null && (
            <span className="nhsuk-u-margin-left-3" id="call-duration">
              Call time {duration(callSeconds)}
            </span>
          )}
        </p>
        {problem && (
          <div className="nhsuk-error-summary" role="alert" tabIndex={-1}>
            <h2 className="nhsuk-error-summary__title">There is a problem</h2>
            <div className="nhsuk-error-summary__body">
              <p id="consultation-problem">{problem}</p>
            </div>
          </div>
        )}
        {data.status === 'reconnecting' && (
          <div className="nhsuk-warning-callout" id="patient-reconnecting">
            <h2 className="nhsuk-warning-callout__label">Patient reconnecting</h2>
            <p>
              The patient’s connection dropped. They can rejoin with the same link; if they are not back
              within two minutes the consultation ends as “patient disconnected”.
            </p>
          </div>
        )}
        {data.dissent && (
          <div className="nhsuk-inset-text" id="consultation-dissent">
            <p>
              {data.dissent.text} at {time(data.dissent.at)}. This is recorded as dissent.
            </p>
          </div>
        )}
        {call.ownReconnecting && <p id="own-reconnecting">Your connection dropped: reconnecting…</p>}

        <div className="cc-console-call" hidden={!showVideo}>
          <figure>
            {/* biome-ignore lint/a11y/useMediaCaption: a live call; nothing is recorded to caption */}
            <video
              ref={call.refs.remoteRef}
              id="remote-video"
              autoPlay
              playsInline
              aria-label="The patient’s video"
            />
            <figcaption>{data.patientName ?? 'Patient'}</figcaption>
          </figure>
          <figure>
            <video
              ref={call.refs.localRef}
              id="local-video"
              autoPlay
              playsInline
              muted
              aria-label="Your camera"
            />
            <figcaption>You</figcaption>
          </figure>
          {/* biome-ignore lint/a11y/useMediaCaption: the patient's live voice */}
          <audio ref={call.refs.audioRef} autoPlay />
        </div>
        {showVideo && call.remoteDropped && (
          <p id="remote-dropped">The patient’s video has stopped: reconnecting…</p>
        )}

        <div className="nhsuk-button-group">
          {canHost && waiting && (
            <button
              className="nhsuk-button"
              id="admit"
              type="button"
              disabled={busy}
              onClick={() => void admit()}
            >
              Admit {data.patientName ?? 'the patient'}
            </button>
          )}
          {canHost && inProgress && !showVideo && (
            <button
              className="nhsuk-button"
              id="rejoin"
              type="button"
              disabled={busy}
              onClick={() => void admit()}
            >
              Rejoin the video
            </button>
          )}
          {showVideo && (
            <>
              <button
                className="nhsuk-button nhsuk-button--secondary"
                id="mute"
                type="button"
                aria-pressed={call.muted}
                onClick={call.toggleMute}
              >
                {call.muted ? 'Unmute' : 'Mute'}
              </button>
              <button
                className="nhsuk-button nhsuk-button--secondary"
                id="camera"
                type="button"
                aria-pressed={!call.cameraOn}
                onClick={() => void call.toggleCamera()}
              >
                {call.cameraOn ? 'Turn camera off' : 'Turn camera on'}
              </button>
            </>
          )}
          {canHost && !over && (
            <button
              className="nhsuk-button nhsuk-button--warning"
              id="end"
              type="button"
              disabled={busy}
              onClick={() => void end()}
            >
              End consultation
            </button>
          )}
          {(over || data.status === 'locked') && !resent && (
            <button
              className="nhsuk-button nhsuk-button--secondary"
              id="resend"
              type="button"
              disabled={busy}
              onClick={() => void resend()}
            >
              Send the link again
            </button>
          )}
        </div>
        {resent && (
          <p id="resent">
            A new link and code have been sent.{' '}
            <Link href={`${CONSULTATIONS_PATH}/${resent}`}>Follow the new invitation</Link>.
          </p>
        )}
        {!canHost && (
          <p id="host-only">
            Only clinicians can join the video. You can follow the patient’s progress here.
          </p>
        )}

        <h2 className="nhsuk-heading-m">The patient’s journey</h2>
        <dl className="nhsuk-summary-list">
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Consent</dt>
            <dd className="nhsuk-summary-list__value" id="consultation-consent">
              {data.consentedAt ? `Code accepted at ${time(data.consentedAt)}` : 'Not yet'}
            </dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Device check</dt>
            <dd className="nhsuk-summary-list__value" id="consultation-device-check">
              {data.deviceCheck ? data.deviceCheck.text : 'Not yet'}
            </dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Video region</dt>
            <dd className="nhsuk-summary-list__value" id="consultation-region">
              {data.mediaRegionName} ({data.mediaRegion})
            </dd>
          </div>
        </dl>
        {canHost && data.regionChangeable && settings && (
          <div className="nhsuk-form-group">
            <label className="nhsuk-label" htmlFor="region">
              Where the video is relayed (EU regions only)
            </label>
            <select
              className="nhsuk-select"
              id="region"
              value={region ?? data.mediaRegion}
              onChange={(event) => setRegion(event.target.value)}
            >
              {settings.regions.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.name} ({option.id})
                </option>
              ))}
            </select>{' '}
            <button
              className="nhsuk-button nhsuk-button--secondary"
              type="button"
              id="save-region"
              disabled={busy || !region}
              onClick={() => void saveRegion()}
            >
              Use this region
            </button>
          </div>
        )}
        <ol className="nhsuk-list" id="consultation-events">
          {data.events.map((entry) => (
            <li key={`${entry.at}-${entry.event}`}>
              <strong>{time(entry.at)}</strong> {EVENT_TEXT[entry.event]?.(entry.detail) ?? entry.event}
            </li>
          ))}
        </ol>
        <p>
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={refresh}>
            Refresh
          </button>
        </p>
        <p>
          <Link href={CONSULTATIONS_PATH}>All consultations</Link>
        </p>
      </div>
    </div>
  );
}
