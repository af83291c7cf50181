import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * JSON logs (pino). Anything that could carry a secret is redacted by path, so a careless
 * `log.info({ req })` cannot leak a cookie or a password.
 */
export function createLogger(level: string, name = 'smartlocker'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'password',
        '*.password',
        'headers.cookie',
        '*.headers.cookie',
        'headers.authorization',
        '*.headers.authorization',
        'secret',
        '*.secret',
        'token',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
