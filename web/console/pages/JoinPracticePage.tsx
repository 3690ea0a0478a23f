import { type FormEvent, useState } from 'react';
import { nameMessage, nameProblem, normaliseName, textProblem } from '../../../layers/universal/text';
import type { RegistrationRequest, RegistrationResponse } from '../../shared/account';
import { ApiError } from '../api/client';
import { ErrorSummary } from '../components/ErrorSummary';
import { type FormErrors, formErrorsFromApi, TextInput } from '../components/FormFields';
import { useMe } from '../me';
import { useAuthState, useServices } from '../services';

const FIELDS = { 'body.odsCode': 'join-ods-code', 'body.name': 'join-name' } as const;
const ODS_CODE = /^[A-Z0-9]{3,10}$/;

function check(request: RegistrationRequest): FormErrors | undefined {
  const byFieldId: Record<string, string> = {};
  const nameIssue = textProblem(request.name) ? 'characters' : nameProblem(request.name);
  if (nameIssue === 'missing') byFieldId['join-name'] = 'Enter your full name';
  else if (nameIssue) byFieldId['join-name'] = nameMessage(nameIssue, 'Full name');
  if (!request.odsCode) byFieldId['join-ods-code'] = 'Enter your practice’s ODS code';
  else if (!ODS_CODE.test(request.odsCode)) {
    byFieldId['join-ods-code'] = 'Enter your practice’s ODS code, for example A81001';
  }
  const summary = Object.entries(byFieldId).map(([id, text]) => ({ text, href: `#${id}` }));
  return summary.length > 0 ? { summary, byFieldId } : undefined;
}

function errorsFrom(error: unknown): FormErrors {
  if (!(error instanceof ApiError))
    return { summary: [{ text: 'Something went wrong. Try again.' }], byFieldId: {} };
  if (error.status === 404) {
    // No practice has that ODS code: the problem is with that field.
    return {
      summary: [{ text: error.detail, href: `#${FIELDS['body.odsCode']}` }],
      byFieldId: { [FIELDS['body.odsCode']]: error.detail },
    };
  }
  return formErrorsFromApi(error, FIELDS);
}

/** Shown to someone signed in who belongs to no practice yet: they ask to join one by its ODS code. */
export function JoinPracticePage() {
  const { api } = useServices();
  const auth = useAuthState();
  const { registered } = useMe();
  const [name, setName] = useState(auth.status === 'signedIn' ? (auth.user.profile.name ?? '') : '');
  const [odsCode, setOdsCode] = useState('');
  const [errors, setErrors] = useState<FormErrors>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const request: RegistrationRequest = { name: normaliseName(name), odsCode: odsCode.trim().toUpperCase() };
    const invalid = check(request);
    setErrors(invalid);
    if (invalid) return;
    setBusy(true);
    try {
      const response = await api.post<RegistrationResponse>('/registrations', request);
      await registered(response.practice);
    } catch (error) {
      setErrors(errorsFrom(error));
      setBusy(false);
    }
  }

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        {errors && <ErrorSummary errors={errors.summary} />}
        <h1>Join your practice</h1>
        <p>
          Your account is set up. To use Clinic Connect, ask to join the GP practice you work for. An admin at
          your practice will then check and approve your account.
        </p>
        <form id="join-practice-form" noValidate onSubmit={(event) => void submit(event)}>
          <TextInput
            id="join-name"
            name="name"
            label="Full name"
            hint="So your practice knows who is asking to join"
            autoComplete="name"
            spellCheck={false}
            value={name}
            onChange={(event) => setName(event.target.value)}
            error={errors?.byFieldId['join-name']}
          />
          <TextInput
            id="join-ods-code"
            name="odsCode"
            label="Your practice’s ODS code"
            hint="The Organisation Data Service code of your GP practice, for example A81001. Your practice manager can tell you it."
            widthClass="nhsuk-input--width-10"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            value={odsCode}
            onChange={(event) => setOdsCode(event.target.value)}
            error={errors?.byFieldId['join-ods-code']}
          />
          <button className="nhsuk-button" id="join-submit" type="submit" disabled={busy}>
            Ask to join
          </button>
        </form>
      </div>
    </div>
  );
}
