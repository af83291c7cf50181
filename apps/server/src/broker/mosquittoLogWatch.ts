import { open, stat } from 'node:fs/promises';
import { isLockerId } from '@smartlocker/protocol';
import type { Logger } from '../observability/logger';
import type { BrokerDenial } from './embeddedBroker';

export type { BrokerDenial };

/**
 * What Mosquitto refuses, read from its own log (docs/deploy-mosquitto.md, "Alerts").
 *
 * Mosquitto 2.0 tells no MQTT client when it refuses a PUBLISH: an MQTT 3.1.1 sender even gets
 * its PUBACK. The refusal is only logged, at the *debug* level —
 *
 *     1796424562: Denied PUBLISH from smartlocker-agent-A (d0, q1, r0, m1, 'smartlocker/v1/lockers/B/state', ... (2 bytes))
 *
 * — and debug lines never go to `log_dest topic` (src/logging.c skips MOSQ_LOG_DEBUG for the
 * `$SYS/broker/log/…` topics; checked in the sources of 2.0.11, 2.0.18 and 2.0.20, and on 2.0.11), so subscribing to
 * `$SYS/broker/log/#` cannot see it. The server follows the log *file* instead (`log_dest file`
 * with `log_type debug`), matches each denial to the account that made it through the
 * "New client connected … as <client id> (…, u'<user name>')." line, and reports it.
 * A refused SUBSCRIBE is not logged at all (only a SUBACK of 0x80 tells the subscriber).
 *
 * The denials have the embedded broker's shape, so SecurityAlerts raises the same
 * `device_acl_violation` alert whichever broker refused.
 */
export type MosquittoLogLine =
  | { kind: 'connected'; clientId: string; username: string | null }
  | { kind: 'disconnected'; clientId: string }
  | { kind: 'denied_publish'; clientId: string; topic: string; qos: number; retain: boolean; bytes: number };

// src/handle_connect.c, handle_publish.c and loop.c of Mosquitto 2.0 write these.
const CONNECTED = /New client connected from .+ as (.+) \(p\d+, c\d+, k\d+(?:, u'(.*)')?\)\.$/;
const DENIED_PUBLISH = /Denied PUBLISH from (.+) \(d\d, q(\d), r(\d), m\d+, '(.*)', \.\.\. \((\d+) bytes\)\)$/;
const DISCONNECTED = /Client (.+) (?:disconnected|closed its connection)/;

/** One line of Mosquitto's log, whatever its timestamp prefix; null for the lines of no interest. */
export function parseMosquittoLogLine(line: string): MosquittoLogLine | null {
  const text = line.trimEnd();
  if (text.includes('Denied PUBLISH from ')) {
    const m = DENIED_PUBLISH.exec(text);
    if (!m) return null;
    return {
      kind: 'denied_publish',
      clientId: m[1] as string,
      qos: Number(m[2]),
      retain: m[3] === '1',
      topic: m[4] as string,
      bytes: Number(m[5]),
    };
  }
  if (text.includes('New client connected from ')) {
    const m = CONNECTED.exec(text);
    return m ? { kind: 'connected', clientId: m[1] as string, username: m[2] ?? null } : null;
  }
  if (text.includes('Client ')) {
    const m = DISCONNECTED.exec(text);
    return m ? { kind: 'disconnected', clientId: m[1] as string } : null;
  }
  return null;
}

export interface MosquittoLogWatchOptions {
  onDenied: (denial: BrokerDenial) => void;
  /** The server's own account, whose refusals are not a locker's (a bug to log, not an alert). */
  serverUsername?: string;
  logger: Logger;
}

/**
 * Turns log lines into denials. The user name of each connected client id is remembered from its
 * connection line; for a connection older than the watch, a locker's pinned client id
 * (`smartlocker-agent-{id}`, which dynamic security lets only that locker use) still names it.
 */
export class MosquittoLogWatch {
  readonly #options: MosquittoLogWatchOptions;
  readonly #usernames = new Map<string, string | null>();

  constructor(options: MosquittoLogWatchOptions) {
    this.#options = options;
  }

  feed(line: string): void {
    const parsed = parseMosquittoLogLine(line);
    if (!parsed) return;
    switch (parsed.kind) {
      case 'connected':
        this.#usernames.set(parsed.clientId, parsed.username);
        return;
      case 'disconnected':
        this.#usernames.delete(parsed.clientId);
        return;
      case 'denied_publish': {
        const username = this.#usernames.has(parsed.clientId)
          ? this.#usernames.get(parsed.clientId)
          : /^smartlocker-agent-(.+)$/.exec(parsed.clientId)?.[1];
        if (username && username === this.#options.serverUsername) {
          this.#options.logger.error({ topic: parsed.topic }, 'the broker refused a publish of the server itself');
          return;
        }
        this.#options.onDenied({
          action: 'publish',
          reason: 'topic_not_allowed',
          clientId: parsed.clientId,
          lockerId: username && isLockerId(username) ? username : null,
          topic: parsed.topic,
        });
        return;
      }
    }
  }
}

export interface FollowedFile {
  stop(): Promise<void>;
  /** Resolves once the file has been read up to its current end (tests). */
  caughtUp(): Promise<void>;
}

/**
 * `tail -F` for one file, by polling: lines appended after the start are handed over in order;
 * a rotated file (another inode at that path) is read from its beginning, a truncated one from
 * its new end. A missing file is waited for. Partial lines wait for their newline.
 */
export function followLogFile(
  path: string,
  onLine: (line: string) => void,
  options: { pollMs?: number; logger: Logger },
): FollowedFile {
  const pollMs = options.pollMs ?? 500;
  let inode: number | null = null;
  let position = 0;
  let partial = Buffer.alloc(0);
  let first = true;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let missingLogged = false;

  async function poll(): Promise<void> {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      if (!missingLogged)
        options.logger.warn({ path, err: (error as Error).message }, 'broker log file not readable yet');
      missingLogged = true;
      first = false;
      return;
    }
    missingLogged = false;
    if (inode !== info.ino) {
      // The first file is taken from its end (its past was before this server); a new one from its start.
      position = first ? info.size : 0;
      inode = info.ino;
      partial = Buffer.alloc(0);
    } else if (info.size < position) {
      position = 0;
      partial = Buffer.alloc(0);
    }
    first = false;
    if (info.size <= position) return;
    const file = await open(path, 'r');
    try {
      while (position < info.size) {
        const chunk = Buffer.alloc(Math.min(info.size - position, 1024 * 1024));
        const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        let data = Buffer.concat([partial, chunk.subarray(0, bytesRead)]);
        for (let newline = data.indexOf(10); newline >= 0; newline = data.indexOf(10)) {
          onLine(data.subarray(0, newline).toString('utf8'));
          data = data.subarray(newline + 1);
        }
        partial = Buffer.from(data);
      }
    } finally {
      await file.close();
    }
  }

  const tick = () => {
    running = running
      .then(poll)
      .catch((error: unknown) => options.logger.warn({ err: error, path }, 'could not read the broker log'));
  };
  tick();
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, pollMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    caughtUp: async () => {
      tick();
      await running;
    },
  };
}
