import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger';
import { linksIn, type MailAttachment, type Mailer, type MailMessage } from './Mailer';

export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  links: string[];
  attachments: MailAttachment[];
  /** ISO 8601 instant. */
  at: string;
}

/** How many messages the outbox keeps (the oldest go first). */
const CAPACITY = 100;

/**
 * The development outbox: with no SMTP server configured, messages stay in memory, readable at
 * `GET /api/dev/outbox` (the web app's /boite-mail) and printed to the console with their links.
 * Only ever built outside production or in demo mode (see createMailer): the links it shows
 * are live reset tokens.
 */
export class DevOutbox implements Mailer {
  readonly kind = 'outbox';
  readonly #messages: OutboxMessage[] = [];

  constructor(private readonly logger: Logger) {}

  async send(message: MailMessage): Promise<void> {
    const kept: OutboxMessage = {
      id: randomUUID(),
      to: message.to,
      subject: message.subject,
      text: message.text,
      links: linksIn(message.text),
      attachments: message.attachments ?? [],
      at: new Date().toISOString(),
    };
    this.#messages.push(kept);
    if (this.#messages.length > CAPACITY) this.#messages.splice(0, this.#messages.length - CAPACITY);
    // The console is the developer's inbox: the link is the point (never done with real SMTP).
    this.logger.info({ to: kept.to, subject: kept.subject, links: kept.links }, 'mail kept in the development outbox');
  }

  /** Newest first. */
  list(): OutboxMessage[] {
    return [...this.#messages].reverse();
  }

  async close(): Promise<void> {}
}

/** Production without SMTP_URL: nothing can be delivered, and nothing secret is logged instead. */
export class DisabledMailer implements Mailer {
  readonly kind = 'disabled';

  constructor(private readonly logger: Logger) {}

  async send(message: MailMessage): Promise<void> {
    this.logger.warn({ subject: message.subject }, 'mail dropped: SMTP_URL is not set');
  }

  async close(): Promise<void> {}
}
