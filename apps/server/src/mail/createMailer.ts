import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import { DevOutbox, DisabledMailer } from './DevOutbox';
import type { Mailer } from './Mailer';
import { SmtpMailer } from './SmtpMailer';

/**
 * SMTP when `SMTP_URL` is set. Otherwise the development outbox, but only outside production or
 * in demo mode: anyone can read that outbox, so a real deployment without SMTP drops messages.
 */
export function createMailer(config: Config, logger: Logger): Mailer {
  if (config.mail.smtpUrl) return new SmtpMailer(config.mail.smtpUrl, config.mail.from);
  if (config.env !== 'production' || config.demoMode) return new DevOutbox(logger);
  logger.warn('SMTP_URL is not set: password-reset and e-mail-change messages cannot be delivered');
  return new DisabledMailer(logger);
}
