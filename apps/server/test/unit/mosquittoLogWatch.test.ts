import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BrokerDenial,
  followLogFile,
  MosquittoLogWatch,
  parseMosquittoLogLine,
} from '../../src/broker/mosquittoLogWatch';

/** Lines as Mosquitto 2.0.11 wrote them on a private broker (log_type all, default timestamps). */
const LOG = {
  connectedA: "1796424562: New client connected from 127.0.0.1:37424 as smartlocker-agent-A (p2, c1, k60, u'A').",
  connectedRogue: "1796424562: New client connected from [::1]:40000 as rogue:client (p5, c1, k30, u'ECOLE_07').",
  anonymous: '1796424562: New client connected from 127.0.0.1:37424 as auto-1234 (p2, c1, k60).',
  denied:
    "1796424562: Denied PUBLISH from smartlocker-agent-A (d0, q1, r0, m1, 'smartlocker/v1/lockers/B/state', ... (2 bytes))",
  deniedRogue:
    "1796424563: Denied PUBLISH from rogue:client (d0, q0, r1, m0, 'smartlocker/v1/lockers/SPORT_01/status', ... (61 bytes))",
  disconnectedA: '1796424562: Client smartlocker-agent-A disconnected.',
  received:
    "1796424562: Received PUBLISH from smartlocker-agent-A (d0, q1, r0, m1, 'smartlocker/v1/lockers/A/state', ... (2 bytes))",
  notAuthorised: '1796424562: Client <unknown> disconnected, not authorised.',
};

const logger = pino({ level: 'silent' });

describe('parseMosquittoLogLine', () => {
  it('reads connections, disconnections and denied publishes, and nothing else', () => {
    expect(parseMosquittoLogLine(LOG.connectedA)).toEqual({
      kind: 'connected',
      clientId: 'smartlocker-agent-A',
      username: 'A',
    });
    expect(parseMosquittoLogLine(LOG.connectedRogue)).toEqual({
      kind: 'connected',
      clientId: 'rogue:client',
      username: 'ECOLE_07',
    });
    expect(parseMosquittoLogLine(LOG.anonymous)).toEqual({ kind: 'connected', clientId: 'auto-1234', username: null });
    expect(parseMosquittoLogLine(LOG.denied)).toEqual({
      kind: 'denied_publish',
      clientId: 'smartlocker-agent-A',
      topic: 'smartlocker/v1/lockers/B/state',
      qos: 1,
      retain: false,
      bytes: 2,
    });
    expect(parseMosquittoLogLine(LOG.deniedRogue)).toMatchObject({ retain: true, qos: 0, bytes: 61 });
    expect(parseMosquittoLogLine(LOG.disconnectedA)).toEqual({ kind: 'disconnected', clientId: 'smartlocker-agent-A' });
    expect(parseMosquittoLogLine(LOG.received)).toBeNull();
    expect(parseMosquittoLogLine('1796424560: mosquitto version 2.0.11 running')).toBeNull();
    expect(parseMosquittoLogLine('Denied PUBLISH from garbage')).toBeNull();
  });
});

describe('MosquittoLogWatch', () => {
  it('names the locker whose account was used, from its connection line or its pinned client id', () => {
    const denials: BrokerDenial[] = [];
    const watch = new MosquittoLogWatch({
      onDenied: (d) => denials.push(d),
      serverUsername: 'smartlocker-server',
      logger,
    });
    watch.feed(LOG.connectedRogue);
    watch.feed(LOG.deniedRogue);
    // No connection line seen (it came before the watch): the pinned client id names the locker.
    watch.feed(LOG.denied);
    watch.feed(LOG.notAuthorised);
    expect(denials).toEqual([
      {
        action: 'publish',
        reason: 'topic_not_allowed',
        clientId: 'rogue:client',
        lockerId: 'ECOLE_07',
        topic: 'smartlocker/v1/lockers/SPORT_01/status',
      },
      {
        action: 'publish',
        reason: 'topic_not_allowed',
        clientId: 'smartlocker-agent-A',
        lockerId: 'A',
        topic: 'smartlocker/v1/lockers/B/state',
      },
    ]);
  });

  it('reports no locker for an account that is not one, and nothing for the server itself', () => {
    const denials: BrokerDenial[] = [];
    const watch = new MosquittoLogWatch({
      onDenied: (d) => denials.push(d),
      serverUsername: 'smartlocker-server',
      logger,
    });
    watch.feed("1: New client connected from 10.0.0.1:1 as tool (p2, c1, k60, u'ops tool').");
    watch.feed("1: Denied PUBLISH from tool (d0, q0, r0, m0, 'x/y', ... (1 bytes))");
    watch.feed("1: New client connected from 10.0.0.1:2 as smartlocker-server-1 (p2, c1, k60, u'smartlocker-server').");
    watch.feed("1: Denied PUBLISH from smartlocker-server-1 (d0, q0, r0, m0, 'x/y', ... (1 bytes))");
    expect(denials).toEqual([
      { action: 'publish', reason: 'topic_not_allowed', clientId: 'tool', lockerId: null, topic: 'x/y' },
    ]);
  });
});

describe('followLogFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smartlocker-logwatch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands over appended lines in order, and survives rotation and truncation', async () => {
    const path = join(dir, 'mosquitto.log');
    writeFileSync(path, 'before the server started\n');
    const lines: string[] = [];
    const followed = followLogFile(path, (line) => lines.push(line), { pollMs: 10_000, logger });
    await followed.caughtUp();
    appendFileSync(path, 'one\ntw');
    await followed.caughtUp();
    expect(lines).toEqual(['one']);
    appendFileSync(path, 'o\nthré€\n');
    await followed.caughtUp();
    expect(lines).toEqual(['one', 'two', 'thré€']);
    // logrotate: the file is renamed and a new one is started at the same path.
    renameSync(path, `${path}.1`);
    await followed.caughtUp();
    writeFileSync(path, 'after rotation\n');
    await followed.caughtUp();
    // copytruncate: the same file, emptied, then written again.
    truncateSync(path, 0);
    await followed.caughtUp();
    appendFileSync(path, 'after truncation\n');
    await followed.caughtUp();
    await followed.stop();
    appendFileSync(path, 'after stop\n');
    expect(lines).toEqual(['one', 'two', 'thré€', 'after rotation', 'after truncation']);
  });
});
