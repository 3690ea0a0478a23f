import type { ReactNode } from 'react';
import { describedBy, ErrorMessage, formGroupClass } from './FormFields';

export type DateInputPart = 'day' | 'month' | 'year';
const PARTS: readonly { part: DateInputPart; label: string; width: string }[] = [
  { part: 'day', label: 'Day', width: 'nhsuk-input--width-2' },
  { part: 'month', label: 'Month', width: 'nhsuk-input--width-2' },
  { part: 'year', label: 'Year', width: 'nhsuk-input--width-4' },
];

/**
 * The NHS.UK date input: a fieldset whose legend names the date, a hint, one error message for the whole
 * date, and Day, Month and Year boxes with ids `<id>-day` etc. (an error summary links to the first box
 * with the problem). `errorParts` marks only the boxes at fault; all three when the error is about the
 * whole date. `autoComplete` is off unless given: a date typed for someone else must not be filled with
 * the user's own.
 */
export function DateInput({
  id,
  legend,
  hint,
  error,
  errorParts,
  value,
  onChange,
  autoComplete,
}: {
  id: string;
  legend: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  errorParts?: readonly DateInputPart[] | undefined;
  value: Record<DateInputPart, string>;
  onChange: (part: DateInputPart, value: string) => void;
  /** `bday` when the date is the user's own birthday. */
  autoComplete?: 'bday';
}) {
  const marked = (part: DateInputPart) => Boolean(error) && (!errorParts || errorParts.includes(part));
  return (
    <div className={formGroupClass(error)}>
      <fieldset
        className="nhsuk-fieldset"
        aria-describedby={describedBy(id, { hint: Boolean(hint), error: Boolean(error) })}
      >
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        {hint && (
          <div className="nhsuk-hint" id={`${id}-hint`}>
            {hint}
          </div>
        )}
        {error && <ErrorMessage fieldId={id}>{error}</ErrorMessage>}
        <div className="nhsuk-date-input" id={id}>
          {PARTS.map(({ part, label, width }) => {
            const inputId = `${id}-${part}`;
            return (
              <div className="nhsuk-date-input__item" key={part}>
                <div className={formGroupClass(marked(part) ? error : undefined)}>
                  <label className="nhsuk-label nhsuk-date-input__label" htmlFor={inputId}>
                    {label}
                  </label>
                  <input
                    className={[
                      'nhsuk-input',
                      'nhsuk-date-input__input',
                      width,
                      marked(part) ? 'nhsuk-input--error' : '',
                    ]
                      .filter(Boolean)
                      .join(' ')}
                    id={inputId}
                    name={inputId}
                    type="text"
                    inputMode="numeric"
                    autoComplete={autoComplete ? `${autoComplete}-${part}` : 'off'}
                    spellCheck={false}
                    aria-invalid={marked(part) ? true : undefined}
                    value={value[part]}
                    onChange={(event) => onChange(part, event.target.value)}
                  />
                </div>
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}
