/** A file sent with a message (the booking's calendar entry). */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

/** One plain-text message to one person (password reset, e-mail change, booking confirmation…). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  attachments?: MailAttachment[];
}

/** Where messages go: SMTP in production, the development outbox otherwise (docs/security.md). */
export interface Mailer {
  readonly kind: 'smtp' | 'outbox' | 'disabled';
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/** The links of a message, in order: what a developer clicks in the outbox. */
export function linksIn(text: string): string[] {
  // A sentence's final punctuation is not part of the link.
  return [...text.matchAll(/https?:\/\/[^\s<>"']+/g)].map((m) => m[0].replace(/[.,;:!?)]+$/, ''));
}
