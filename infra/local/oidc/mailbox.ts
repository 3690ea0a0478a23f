/**
 * Where the local identity provider's emails go: Cognito emails staff their password reset codes; on a
 * laptop there is no mail, so the provider keeps each message here, in memory, and shows them on its mailbox
 * page (`${issuer}/mailbox`). Local development only: anyone who can open the local origin can read it.
 */
export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text, as an email would hold it. */
  text: string;
  sentAt: string;
}

export class LocalMailbox {
  readonly #messages: MailMessage[] = [];

  constructor(
    private readonly options: {
      /** Told of each message (not its text, which may hold a code): npm start prints where to read it. */
      onSend?: (message: Pick<MailMessage, 'to' | 'subject'>) => void;
      now?: () => Date;
      /** The newest this many are kept. */
      keep?: number;
    } = {},
  ) {}

  send(message: Omit<MailMessage, 'sentAt'>): void {
    const sentAt = (this.options.now?.() ?? new Date()).toISOString();
    this.#messages.unshift({ ...message, sentAt });
    this.#messages.splice(this.options.keep ?? 50);
    this.options.onSend?.({ to: message.to, subject: message.subject });
  }

  /** Newest first; only one address's when given. */
  messages(to?: string): MailMessage[] {
    const wanted = to?.trim().toLowerCase();
    return this.#messages.filter((message) => !wanted || message.to === wanted).map((m) => ({ ...m }));
  }
}
