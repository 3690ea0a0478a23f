import type { InputHTMLAttributes, ReactNode } from 'react';
import type { ApiError } from '../api/client';
import type { ErrorSummaryItem } from './ErrorSummary';

/** `nhsuk-error-message` for a field; its id is `<fieldId>-error`, for the field's aria-describedby. */
export function ErrorMessage({ fieldId, children }: { fieldId: string; children: ReactNode }) {
  return (
    <span className="nhsuk-error-message" id={`${fieldId}-error`}>
      <span className="nhsuk-u-visually-hidden">Error:</span> {children}
    </span>
  );
}

/** The ids a field should list in aria-describedby: its hint and its error, when present. */
export function describedBy(
  fieldId: string,
  options: { hint?: boolean; error?: boolean },
): string | undefined {
  const ids = [options.hint ? `${fieldId}-hint` : '', options.error ? `${fieldId}-error` : ''].filter(
    Boolean,
  );
  return ids.length > 0 ? ids.join(' ') : undefined;
}

export function formGroupClass(error: string | undefined): string {
  return error ? 'nhsuk-form-group nhsuk-form-group--error' : 'nhsuk-form-group';
}

export type TextInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'className'> & {
  id: string;
  label: ReactNode;
  /** Make the label the page heading (one-question pages). */
  labelIsPageHeading?: boolean;
  hint?: ReactNode;
  error?: string;
  /** `nhsuk-input--width-10` etc. */
  widthClass?: string;
};

/** Label, hint, error message and input, wired together as the NHS.UK text input pattern. */
export function TextInput({
  id,
  label,
  labelIsPageHeading,
  hint,
  error,
  widthClass,
  ...inputProps
}: TextInputProps) {
  const labelElement = (
    <label className={labelIsPageHeading ? 'nhsuk-label nhsuk-label--l' : 'nhsuk-label'} htmlFor={id}>
      {label}
    </label>
  );
  return (
    <div className={formGroupClass(error)}>
      {labelIsPageHeading ? <h1 className="nhsuk-label-wrapper">{labelElement}</h1> : labelElement}
      {hint && (
        <div className="nhsuk-hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {error && <ErrorMessage fieldId={id}>{error}</ErrorMessage>}
      <input
        className={['nhsuk-input', widthClass, error ? 'nhsuk-input--error' : ''].filter(Boolean).join(' ')}
        id={id}
        aria-describedby={describedBy(id, { hint: Boolean(hint), error: Boolean(error) })}
        aria-invalid={error ? true : undefined}
        {...inputProps}
      />
    </div>
  );
}

export interface FormErrors {
  /** For `<ErrorSummary errors={…}>`. */
  summary: ErrorSummaryItem[];
  /** Error message by field id, for each field's `error` prop. */
  byFieldId: Record<string, string>;
}

/**
 * Turns an API error into what a form shows: issues whose `field` (e.g. `body.nhsNumber`) is in
 * `fieldIds` link to that field; any other issue, or the error's detail when there are no issues, is
 * listed without a link.
 */
export function formErrorsFromApi(error: ApiError, fieldIds: Record<string, string>): FormErrors {
  const summary: ErrorSummaryItem[] = [];
  const byFieldId: Record<string, string> = {};
  for (const issue of error.issues) {
    const fieldId = fieldIds[issue.field];
    if (fieldId) {
      if (!byFieldId[fieldId]) {
        byFieldId[fieldId] = issue.message;
        summary.push({ text: issue.message, href: `#${fieldId}` });
      }
    } else {
      summary.push({ text: issue.message });
    }
  }
  if (summary.length === 0) summary.push({ text: error.detail });
  return { summary, byFieldId };
}
