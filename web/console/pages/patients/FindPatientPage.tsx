import {
  type ChangeEvent,
  type FormEvent,
  type MouseEvent,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { flushSync } from 'react-dom';
import { formatNhsNumber } from '../../../../layers/universal/nhs-number';
import type { LookupMatch, LookupRequest, LookupResult } from '../../../shared/lookup';
import { ApiError } from '../../api/client';
import { DateInput } from '../../components/DateInput';
import { ErrorSummary } from '../../components/ErrorSummary';
import { TextInput } from '../../components/FormFields';
import { useFocusOnMount } from '../../components/focus';
import { useLoadedMe } from '../../me';
import { useServices } from '../../services';
import { InviteForm, SmsPreference } from '../invites/InviteForm';
import {
  checkLookupForm,
  type DatePart,
  type DateValue,
  EMPTY_DATE,
  FIELD_IDS,
  formatTypedNhsNumber,
  GENDER_LABELS,
  hasErrors,
  type LookupFormErrors,
  longDate,
  lookupErrorsFromApi,
  summaryItems,
  timeInLondon,
} from './patient-lookup';

export const FIND_PATIENT_PATH = '/patients/find';

interface Match {
  lookup: LookupMatch;
  /** What was searched for, to show beside what came back. */
  request: LookupRequest;
}

/** The NHS number field: grouped 3-3-4 as digits are typed or pasted, left alone while deleting. */
function NhsNumberField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  const pendingCaret = useRef<{ input: HTMLInputElement; caret: number }>(undefined);

  // React moves the caret to the end when it changes the value: put it back after the same digits.
  // biome-ignore lint/correctness/useExhaustiveDependencies: after each new value
  useLayoutEffect(() => {
    const pending = pendingCaret.current;
    pendingCaret.current = undefined;
    if (pending && document.activeElement === pending.input) {
      pending.input.setSelectionRange(pending.caret, pending.caret);
    }
  }, [value]);

  function handleChange(event: ChangeEvent<HTMLInputElement>) {
    const input = event.target;
    const native = event.nativeEvent;
    const inputType = 'inputType' in native && typeof native.inputType === 'string' ? native.inputType : '';
    // Deleting a digit or a space must do just that: regrouping now would put the space straight back.
    if (inputType.startsWith('delete')) {
      onChange(input.value);
      return;
    }
    const typed = formatTypedNhsNumber(input.value, input.selectionStart ?? input.value.length);
    pendingCaret.current = { input, caret: typed.caret };
    onChange(typed.value);
  }

  return (
    <TextInput
      id={FIELD_IDS.nhsNumber}
      name="nhsNumber"
      label="NHS number"
      hint="For example, 943 476 5919"
      widthClass="nhsuk-input--width-10"
      inputMode="numeric"
      autoComplete="off"
      spellCheck={false}
      value={value}
      onChange={handleChange}
      onBlur={() => onChange(formatTypedNhsNumber(value, value.length).value)}
      error={error}
    />
  );
}

function MobileNumber({ ending }: { ending: string | null }) {
  if (ending === null) return <>No mobile number on record</>;
  return (
    <>
      Ending <span id="patient-mobile-ending">…{ending}</span>
    </>
  );
}

/** The patient found: name, gender and the end of their mobile number, and until when the lookup holds. */
function MatchCard({ match, onSearchAgain }: { match: Match; onSearchAgain: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useFocusOnMount(heading);
  const { lookup, request } = match;
  const { patient } = lookup;
  const me = useLoadedMe();
  const canInvite = me.permissions.includes('patients.invite');
  const [sms, setSms] = useState(lookup.sms);

  function searchAgain(event: MouseEvent<HTMLAnchorElement>) {
    event.preventDefault();
    onSearchAgain();
  }

  return (
    <>
      <div className="nhsuk-card" id="lookup-match">
        <div className="nhsuk-card__content">
          <h2 className="nhsuk-card__heading" id="patient-name" ref={heading}>
            {patient.name}
          </h2>
          <dl className="nhsuk-summary-list">
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">NHS number</dt>
              <dd className="nhsuk-summary-list__value" id="patient-nhs-number">
                {formatNhsNumber(request.nhsNumber)}
              </dd>
            </div>
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Date of birth</dt>
              <dd className="nhsuk-summary-list__value" id="patient-birth-date">
                {longDate(request.birthDate)}
              </dd>
            </div>
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Gender</dt>
              <dd className="nhsuk-summary-list__value" id="patient-gender">
                {GENDER_LABELS[patient.gender]}
              </dd>
            </div>
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Mobile</dt>
              <dd className="nhsuk-summary-list__value" id="patient-mobile">
                <MobileNumber ending={patient.mobileEnding} />
              </dd>
            </div>
          </dl>
          <p id="lookup-expiry">
            This search result expires at {timeInLondon(new Date(lookup.expiresAt))}. After that, search
            again.
          </p>
          {canInvite && (
            <>
              {sms.textable ? (
                <InviteForm lookupId={lookup.lookupId} />
              ) : (
                !sms.optedOut && (
                  <div className="nhsuk-inset-text" id="not-textable">
                    <span className="nhsuk-u-visually-hidden">Information: </span>
                    <p>This patient cannot be invited by text: {sms.reason}. Contact them another way.</p>
                  </div>
                )
              )}
              <SmsPreference lookupId={lookup.lookupId} sms={sms} onChange={setSms} />
            </>
          )}
        </div>
      </div>
      <p>
        <a href={FIND_PATIENT_PATH} id="search-again" onClick={searchAgain}>
          Search again
        </a>
      </p>
    </>
  );
}

/** The one answer for every lookup that finds nobody, in the API's words. */
function NoMatch({ message }: { message: string }) {
  const card = useRef<HTMLDivElement>(null);
  useFocusOnMount(card);
  return (
    <div className="nhsuk-card nhsuk-card--warning" id="lookup-no-match" ref={card}>
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading">
          <span className="nhsuk-u-visually-hidden">Important: </span>No patient found
        </h2>
        <p id="lookup-no-match-message">{message}</p>
      </div>
    </div>
  );
}

/**
 * Find a patient by NHS number and date of birth (the NHS Personal Demographics Service, through
 * `POST /api/lookups`). What was typed and what came back live in this page's state only: never in browser
 * storage or the address, and gone when the page is left.
 */
export function FindPatientPage() {
  const { api } = useServices();
  const [nhsNumber, setNhsNumber] = useState('');
  const [birthDate, setBirthDate] = useState<DateValue>(EMPTY_DATE);
  const [errors, setErrors] = useState<LookupFormErrors>();
  const [match, setMatch] = useState<Match>();
  const [noMatch, setNoMatch] = useState<string>();
  const [busy, setBusy] = useState(false);
  /** What the live region says: that a search is under way, then how it ended. */
  const [status, setStatus] = useState('');
  /** Bumped per outcome, so the same errors or the same "no match" take focus again. */
  const [outcomeKey, setOutcomeKey] = useState(0);
  const [focusNhsNumber, setFocusNhsNumber] = useState(false);
  const inFlight = useRef<AbortController>(undefined);

  function clear() {
    inFlight.current?.abort();
    inFlight.current = undefined;
    setNhsNumber('');
    setBirthDate(EMPTY_DATE);
    setErrors(undefined);
    setMatch(undefined);
    setNoMatch(undefined);
    setBusy(false);
    setStatus('');
  }

  // Leaving the page unmounts it; leaving the site may keep it in the back-forward cache, so empty it first.
  // biome-ignore lint/correctness/useExhaustiveDependencies: clear only sets state
  useEffect(() => {
    const onPageHide = () => flushSync(clear);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      inFlight.current?.abort();
    };
  }, []);

  useEffect(() => {
    if (!focusNhsNumber) return;
    setFocusNhsNumber(false);
    document.getElementById(FIELD_IDS.nhsNumber)?.focus();
  }, [focusNhsNumber]);

  function showErrors(found: LookupFormErrors) {
    setErrors(found);
    setOutcomeKey((key) => key + 1);
    setStatus('');
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setNoMatch(undefined);
    const checked = checkLookupForm(nhsNumber, birthDate);
    if ('errors' in checked) {
      showErrors(checked.errors);
      return;
    }
    setErrors(undefined);
    setBusy(true);
    setStatus('Searching…');
    const controller = new AbortController();
    inFlight.current = controller;
    try {
      const result = await api.post<LookupResult>('/lookups', checked.request, { signal: controller.signal });
      if (controller.signal.aborted) return;
      setOutcomeKey((key) => key + 1);
      if (result.result === 'match') {
        setMatch({ lookup: result, request: checked.request });
        setStatus(`Patient found: ${result.patient.name}`);
      } else {
        setNoMatch(result.message);
        setStatus('No patient found');
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      showErrors(
        error instanceof ApiError
          ? lookupErrorsFromApi(error)
          : { other: ['Something went wrong. Try again.'] },
      );
    } finally {
      if (inFlight.current === controller) {
        inFlight.current = undefined;
        setBusy(false);
      }
    }
  }

  function searchAgain() {
    clear();
    setFocusNhsNumber(true);
  }

  function changeDate(part: DatePart, value: string) {
    setBirthDate((current) => ({ ...current, [part]: value }));
  }

  const summary = hasErrors(errors) ? summaryItems(errors) : [];

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        {summary.length > 0 && <ErrorSummary key={outcomeKey} errors={summary} />}
        <h1>Find a patient</h1>
        <div className="nhsuk-u-visually-hidden" role="status" id="lookup-status">
          {status}
        </div>
        {match ? (
          <MatchCard match={match} onSearchAgain={searchAgain} />
        ) : (
          <>
            <p>
              Search the NHS Personal Demographics Service. The NHS number and date of birth must both match
              the patient’s NHS record.
            </p>
            {noMatch !== undefined && <NoMatch key={outcomeKey} message={noMatch} />}
            <form id="lookup-form" noValidate onSubmit={(event) => void submit(event)}>
              <NhsNumberField value={nhsNumber} onChange={setNhsNumber} error={errors?.nhsNumber?.message} />
              <DateInput
                id={FIELD_IDS.birthDate}
                legend="Date of birth"
                hint="For example, 15 3 1984"
                error={errors?.birthDate?.message}
                errorParts={errors?.birthDate?.parts}
                value={birthDate}
                onChange={changeDate}
              />
              <button className="nhsuk-button" id="lookup-submit" type="submit" disabled={busy}>
                {busy ? 'Searching…' : 'Search'}
              </button>
            </form>
          </>
        )}
      </div>
    </div>
  );
}
