import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { VideoSettings } from '../../../shared/consultations';
import { ApiError } from '../../api/client';
import { ErrorSummary, type ErrorSummaryItem } from '../../components/ErrorSummary';
import { formErrorsFromApi, type RadioOption, Radios } from '../../components/FormFields';
import { NotificationBanner } from '../../components/NotificationBanner';
import { useLoadedMe } from '../../me';
import { useServices } from '../../services';

export const PRACTICE_SETTINGS_PATH = '/settings';

type MediaRegion = VideoSettings['defaultMediaRegion'];

/** The radios' id: each region's input is `media-region-<region>`, and an error links to the first. */
const FIELD_ID = 'media-region';

type LoadState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'loaded'; settings: VideoSettings };

interface Outcome {
  /** Bumped per outcome so the banner or summary remounts and takes focus again. */
  key: number;
  success?: string;
  errors?: ErrorSummaryItem[];
  /** The message by the radios, when the problem is with the region chosen. */
  fieldError?: string;
}

function apiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError({ title: 'Error', status: 0, detail: 'Something went wrong. Try again.' });
}

/** "London (eu-west-2)": the city people know a region by, then the region itself (the API's own names). */
function regionLabel(settings: VideoSettings, region: MediaRegion): string {
  const name = settings.regions.find((option) => option.id === region)?.name;
  return name ? `${name} (${region})` : region;
}

function regionOptions(settings: VideoSettings): RadioOption<MediaRegion>[] {
  return settings.regions.map((region) => ({
    value: region.id,
    label: `${region.name} (${region.id})`,
    ...(region.optIn
      ? {
          hint: 'An opt-in region: video can be hosted here only once it is enabled in Clinic Connect’s AWS account. Check with whoever runs Clinic Connect for you before choosing it.',
        }
      : {}),
  }));
}

/**
 * Practice admins choose where the practice's video consultations are relayed by default: an EU Chime media
 * region (R11), London unless changed. A clinician may still choose another for one consultation.
 */
export function PracticeSettingsPage() {
  const { api } = useServices();
  const me = useLoadedMe();
  const [load, setLoad] = useState<LoadState>({ status: 'loading' });
  const [choice, setChoice] = useState<MediaRegion>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [busy, setBusy] = useState(false);

  const fetchSettings = useCallback(async () => {
    setLoad({ status: 'loading' });
    try {
      const settings = await api.get<VideoSettings>('/practice/video-settings');
      setLoad({ status: 'loaded', settings });
      setChoice(settings.defaultMediaRegion);
    } catch (error) {
      setLoad({ status: 'error', error: apiError(error) });
    }
  }, [api]);

  useEffect(() => void fetchSettings(), [fetchSettings]);

  const firstRadio =
    load.status === 'loaded' ? `${FIELD_ID}-${load.settings.regions[0]?.id ?? ''}` : FIELD_ID;

  function failed(items: ErrorSummaryItem[], fieldError?: string) {
    setOutcome((previous) => ({
      key: (previous?.key ?? 0) + 1,
      errors: items,
      ...(fieldError ? { fieldError } : {}),
    }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || load.status !== 'loaded') return;
    const { settings } = load;
    if (!choice) {
      const text = 'Choose the region video consultations use by default';
      failed([{ text, href: `#${firstRadio}` }], text);
      return;
    }
    if (choice === settings.defaultMediaRegion) {
      const text = `${regionLabel(settings, choice)} is already the default. Choose another region to change it`;
      failed([{ text, href: `#${firstRadio}` }], text);
      return;
    }
    setBusy(true);
    try {
      const saved = await api.put<VideoSettings>('/practice/video-settings', { defaultMediaRegion: choice });
      setLoad({ status: 'loaded', settings: saved });
      setChoice(saved.defaultMediaRegion);
      setOutcome((previous) => ({
        key: (previous?.key ?? 0) + 1,
        success: `Video consultations now use ${regionLabel(saved, saved.defaultMediaRegion)} by default.`,
      }));
    } catch (error) {
      const { summary, byFieldId } = formErrorsFromApi(apiError(error), {
        'body.defaultMediaRegion': firstRadio,
      });
      failed(summary, byFieldId[firstRadio]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        {outcome?.errors && <ErrorSummary key={outcome.key} errors={outcome.errors} />}
        {outcome?.success && (
          <NotificationBanner id="settings-success" key={outcome.key} success title="Success">
            <p className="nhsuk-notification-banner__heading" id="settings-success-message">
              {outcome.success}
            </p>
          </NotificationBanner>
        )}
        <h1>
          <span className="nhsuk-caption-l">{me.practice.name}</span>
          Practice settings
        </h1>
        <h2 className="nhsuk-heading-m">Video consultations</h2>
        <p>
          The video and sound of a consultation are relayed through an Amazon Web Services data centre in the
          EU, never outside it. Choose the one your practice’s consultations use by default. A clinician can
          still choose another EU region for one consultation, before they let the patient in.
        </p>
        {load.status === 'loading' && <p role="status">Loading the practice’s settings…</p>}
        {load.status === 'error' && (
          <div className="nhsuk-card nhsuk-card--warning" id="settings-load-error">
            <div className="nhsuk-card__content">
              <h2 className="nhsuk-card__heading">
                <span className="nhsuk-u-visually-hidden">Important: </span>
                We could not load your practice’s settings
              </h2>
              <p>{load.error.detail}</p>
              <button
                className="nhsuk-button nhsuk-button--secondary"
                type="button"
                onClick={() => void fetchSettings()}
              >
                Try again
              </button>
            </div>
          </div>
        )}
        {load.status === 'loaded' && (
          <>
            <dl className="nhsuk-summary-list" id="settings-summary">
              <div className="nhsuk-summary-list__row">
                <dt className="nhsuk-summary-list__key">Default video region</dt>
                <dd className="nhsuk-summary-list__value" id="settings-current-region">
                  {regionLabel(load.settings, load.settings.defaultMediaRegion)}
                </dd>
              </div>
            </dl>
            <form id="settings-form" noValidate onSubmit={(event) => void submit(event)}>
              <Radios
                id={FIELD_ID}
                legend="Default video region"
                hint="EU regions only."
                options={regionOptions(load.settings)}
                value={choice}
                onChange={setChoice}
                error={outcome?.fieldError}
              />
              <button className="nhsuk-button" id="settings-save" type="submit" disabled={busy}>
                {busy ? 'Saving…' : 'Save'}
              </button>
            </form>
          </>
        )}
      </div>
    </div>
  );
}
