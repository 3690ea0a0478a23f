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

/** The NHS.UK textarea, with a hint and an error; `counter` is shown under it (a character count, say). */
export function Textarea({
  id,
  label,
  hint,
  error,
  value,
  onChange,
  rows = 4,
  counter,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  rows?: number;
  counter?: ReactNode;
}) {
  return (
    <div className={formGroupClass(error)}>
      <label className="nhsuk-label" htmlFor={id}>
        {label}
      </label>
      {hint && (
        <div className="nhsuk-hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {error && <ErrorMessage fieldId={id}>{error}</ErrorMessage>}
      <textarea
        className={['nhsuk-textarea', error ? 'nhsuk-textarea--error' : ''].filter(Boolean).join(' ')}
        id={id}
        name={id}
        rows={rows}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={
          [describedBy(id, { hint: Boolean(hint), error: Boolean(error) }), counter ? `${id}-counter` : '']
            .filter(Boolean)
            .join(' ') || undefined
        }
        aria-invalid={error ? true : undefined}
      />
      {counter && (
        <div className="nhsuk-hint nhsuk-character-count__message" id={`${id}-counter`}>
          {counter}
        </div>
      )}
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

/** One checkbox on its own (a declaration, say), as the NHS.UK checkboxes pattern lays it out. */
export function SingleCheckbox({
  id,
  label,
  error,
  checked,
  onChange,
}: {
  id: string;
  label: ReactNode;
  error?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div className={formGroupClass(error)}>
      {error && <ErrorMessage fieldId={id}>{error}</ErrorMessage>}
      <div className="nhsuk-checkboxes">
        <div className="nhsuk-checkboxes__item">
          <input
            className="nhsuk-checkboxes__input"
            id={id}
            name={id}
            type="checkbox"
            checked={checked}
            onChange={(event) => onChange(event.target.checked)}
            aria-describedby={describedBy(id, { error: Boolean(error) })}
          />
          <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={id}>
            {label}
          </label>
        </div>
      </div>
    </div>
  );
}

export interface RadioOption<T extends string> {
  value: T;
  label: ReactNode;
  hint?: ReactNode;
}

/**
 * NHS.UK radios in a fieldset; each input's id is `<id>-<value>` (an error summary links to the first).
 */
export function Radios<T extends string>({
  id,
  legend,
  legendIsPageHeading,
  hint,
  error,
  options,
  value,
  onChange,
}: {
  id: string;
  legend: ReactNode;
  legendIsPageHeading?: boolean;
  hint?: ReactNode;
  error?: string;
  options: readonly RadioOption<T>[];
  value: T | undefined;
  onChange: (value: T) => void;
}) {
  return (
    <div className={formGroupClass(error)}>
      <fieldset
        className="nhsuk-fieldset"
        aria-describedby={describedBy(id, { hint: Boolean(hint), error: Boolean(error) })}
      >
        <legend
          className={`nhsuk-fieldset__legend ${legendIsPageHeading ? 'nhsuk-fieldset__legend--l' : 'nhsuk-fieldset__legend--m'}`}
        >
          {legendIsPageHeading ? <h1 className="nhsuk-fieldset__heading">{legend}</h1> : legend}
        </legend>
        {hint && (
          <div className="nhsuk-hint" id={`${id}-hint`}>
            {hint}
          </div>
        )}
        {error && <ErrorMessage fieldId={id}>{error}</ErrorMessage>}
        <div className="nhsuk-radios">
          {options.map((option) => {
            const inputId = `${id}-${option.value}`;
            return (
              <div className="nhsuk-radios__item" key={option.value}>
                <input
                  className="nhsuk-radios__input"
                  id={inputId}
                  name={id}
                  type="radio"
                  value={option.value}
                  checked={value === option.value}
                  onChange={() => onChange(option.value)}
                  aria-describedby={option.hint ? `${inputId}-hint` : undefined}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={inputId}>
                  {option.label}
                </label>
                {option.hint && (
                  <div className="nhsuk-hint nhsuk-radios__hint" id={`${inputId}-hint`}>
                    {option.hint}
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}
