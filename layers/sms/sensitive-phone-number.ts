const REDACTED = '[phone number]';

/**
 * A phone number that must not reach a log, an error message or a serialised record by accident: it says
 * `[phone number]` to `String()`, `JSON.stringify` and `util.inspect` (what loggers use), and gives the
 * number only to an explicit `reveal()`. For numbers handed over by providers (SNS's delivery records carry
 * the destination) to code that needs them, e.g. to record an opt-out by blind index.
 */
export class SensitivePhoneNumber {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The number as the provider gave it (E.164, or masked in AWS's own examples). */
  reveal(): string {
    return this.#value;
  }

  /** Whether it is a full E.164 number rather than a masked or malformed one. */
  get isE164(): boolean {
    return /^\+[1-9]\d{6,14}$/u.test(this.#value);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SensitivePhoneNumber(${REDACTED})`;
  }
}

/** Runs of digits that could be a phone number, replaced: provider messages sometimes quote the number. */
export function redactPhoneNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{5,}\d/gu, REDACTED);
}
