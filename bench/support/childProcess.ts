import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Forks one of the bench's TypeScript programs (`node --import tsx`), with an IPC channel. */
export function forkTs(relativeToBench: string, env: Record<string, string> = {}): ChildProcess {
  const path = fileURLToPath(new URL(`../${relativeToBench}`, import.meta.url));
  return fork(path, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The next IPC message of `child` that `accept` matches, or an error after `timeoutMs` or on exit. */
export function nextMessage<T>(
  child: ChildProcess,
  accept: (message: { type?: string }) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what}: nothing within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: { type?: string; message?: string }) => {
      if (message.type === 'error') finish(new Error(`${what}: ${message.message}`));
      else if (accept(message)) finish(null, message as T);
    };
    const onExit = (code: number | null) => finish(new Error(`${what}: the child exited (${code})`));
    const finish = (error: Error | null, value?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as T);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Ends a child: asks nicely by `close` message, then SIGKILL if it is still there after `graceMs`. */
export async function endChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ type: 'close' });
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
