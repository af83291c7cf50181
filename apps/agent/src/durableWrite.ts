import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { AgentError, type AgentErrorCode } from './AgentError';

/** Write to a temporary file, flush it, then rename: a power cut leaves the old or the new file, never half of one. */
export function writeDurably(path: string, content: string, errorCode: AgentErrorCode): void {
  const temporary = `${path}.tmp`;
  try {
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    throw new AgentError(errorCode, `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
