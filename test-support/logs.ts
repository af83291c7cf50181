import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../apps/server/src/observability/logger';

export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/**
 * A logger configured like the server's (same redaction), whose JSON lines a test can read back:
 * to check that a failure was logged, or that no secret ever was.
 */
export function captureLogs(level = 'info'): { logger: Logger; lines(): LogLine[]; text(): string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(level, 'smartlocker', sink);
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as LogLine),
  };
}
