import type { Logger } from '../observability/logger';
import type { Mailer, MailMessage } from './Mailer';

/**
 * Hands messages to the mailer in the background. Auth endpoints answer at once whether or not a
 * message was sent (a reset request for an unknown address must take as long as one for a known
 * address, docs/security.md), and an SMTP failure is logged, never shown to the requester.
 */
export class Postman {
  readonly #pending = new Set<Promise<void>>();

  constructor(
    readonly mailer: Mailer,
    private readonly logger: Logger,
  ) {}

  post(message: MailMessage): void {
    const sending = this.mailer
      .send(message)
      .catch((error: unknown) =>
        // The subject says which flow failed; the body holds a live token and is never logged.
        this.logger.error({ err: error, subject: message.subject }, 'mail could not be sent'),
      )
      .finally(() => this.#pending.delete(sending));
    this.#pending.add(sending);
  }

  /** Waits for the messages already posted (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.mailer.close();
  }
}
