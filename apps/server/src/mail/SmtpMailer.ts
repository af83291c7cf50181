import type { Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from './Mailer';

/**
 * SMTP through nodemailer (`SMTP_URL`, e.g. smtps://user:password@smtp.example.org:465). nodemailer
 * is loaded with the first message, so a server that never mails does not pay for it at start-up.
 */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  #transport: Promise<Transporter> | null = null;

  constructor(
    private readonly smtpUrl: string,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    this.#transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport(this.smtpUrl),
    );
    const transport = await this.#transport;
    await transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.attachments ? { attachments: message.attachments } : {}),
    });
  }

  async close(): Promise<void> {
    const transport = this.#transport;
    if (transport !== null) (await transport).close();
  }
}
