import { pino } from 'pino';
import { currentRequest } from './requestContext';

export type Logger = pino.Logger;

/**
 * JSON logs (pino). Anything that could carry a secret is redacted by path, so a careless
 * `log.info({ req })` cannot leak a cookie or a password. A line written while a request is
 * served carries its `requestId` (observability/requestContext.ts).
 */
export function createLogger(level: string, name = 'smartlocker', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    mixin: () => {
      const request = currentRequest();
      return request ? { requestId: request.requestId } : {};
    },
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
  };
  return destination ? pino(options, destination) : pino(options);
}
