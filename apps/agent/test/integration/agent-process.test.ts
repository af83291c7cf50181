import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { topicFor } from '@smartlocker/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerBackends } from '../../../../test-support/backends';
import type { AgentConfigInput } from '../../src/index';
import { AedesBroker, clearRetained, Observer, serverKeys, signedCommand } from './brokerHarness';

const FIXTURE = fileURLToPath(new URL('./fixtures/agentProcess.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const runId = randomBytes(3).toString('hex').toUpperCase();

/** The agent as its own process, with what it prints kept line by line. */
class AgentProcess {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  static start(configPath: string, hardwarePath: string): AgentProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, configPath, hardwarePath], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AgentProcess(child);
  }

  async waitForLine(line: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.includes(line)) {
      if (this.child.exitCode !== null) throw new Error(`agent exited before "${line}": ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no "${line}" within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function relayInFile(path: string): boolean {
  return (JSON.parse(readFileSync(path, 'utf8')) as { relayEnergised: boolean }).relayEnergised;
}

describe.each(brokerBackends())('the agent as a process ($name)', (backend) => {
  let url: string;
  let aedes: AedesBroker | null = null;
  const lockerIds: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let counter = 0;

  beforeAll(async () => {
    if (backend.url) url = backend.url;
    else {
      aedes = await AedesBroker.start();
      url = aedes.url;
    }
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    if (backend.url) await clearRetained(url, lockerIds);
    await aedes?.stop();
  });

  /** A locker whose pulse lasts a minute, so the test is sure to act in the middle of it. */
  async function lockerOnDisk() {
    counter += 1;
    const lockerId = `PROC-${backend.name.toUpperCase()}-${runId}-${counter}`;
    lockerIds.push(lockerId);
    const dir = mkdtempSync(join(tmpdir(), 'agent-proc-'));
    const configPath = join(dir, 'agent.json');
    const hardwarePath = join(dir, 'hardware.json');
    const config: AgentConfigInput = {
      lockerId,
      mqtt: { url, reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 } },
      commandPublicKeyPem: serverKeys.publicKeyPem,
      stateDir: join(dir, 'state'),
      hal: { driver: 'simulator' },
      timings: { relayPulseMs: 60_000, openConfirmWindowMs: 61_000 },
      logLevel: 'warn',
    };
    writeFileSync(configPath, JSON.stringify(config));
    const observer = await Observer.connect(url, lockerId, { reconnect: true });
    const running: AgentProcess[] = [];
    cleanups.push(async () => {
      for (const agent of running) if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      await observer.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const start = () => {
      const agent = AgentProcess.start(configPath, hardwarePath);
      running.push(agent);
      return agent;
    };
    const send = (payload: object) =>
      observer.client.publishAsync(topicFor(lockerId, 'cmd'), JSON.stringify(payload), { qos: 1 });
    return { lockerId, observer, start, send, hardwarePath };
  }

  it('killed with SIGKILL in the middle of a pulse, restarts with the relay released (fail-secure start-up)', async () => {
    const { lockerId, observer, start, send, hardwarePath } = await lockerOnDisk();
    const first = start();
    await first.waitForLine('ready');
    const open = signedCommand(lockerId, 'open');
    await send(open);
    await observer.waitFor(() => observer.of('ack').find((a) => a.commandId === open.id), 'the ack of the open');
    await first.waitForLine('relay true');
    expect(relayInFile(hardwarePath)).toBe(true);

    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Nothing could release it: the strike is still energised, as on a real locker after a crash.
    expect(relayInFile(hardwarePath)).toBe(true);
    await observer.waitFor(
      () => observer.of('status').find((s) => s.reason === 'connection_lost'),
      "the broker's last will",
    );

    const statesBefore = observer.of('state').length;
    const second = start();
    await second.waitForLine('relay-at-boot true');
    await second.waitForLine('relay false');
    expect(relayInFile(hardwarePath)).toBe(false);
    await second.waitForLine('ready');
    const state = await observer.waitFor(() => observer.of('state')[statesBefore], 'the state after the restart');
    expect(state).toMatchObject({ lock: 'locked' });

    // The command of the killed run is remembered on disk: delivered again, it does not open.
    await send(open);
    const again = await observer.waitFor(
      () => observer.of('ack').filter((a) => a.commandId === open.id)[1],
      'the ack of the replay',
    );
    expect(again).toMatchObject({ outcome: 'accepted', duplicate: true });
    expect(relayInFile(hardwarePath)).toBe(false);
    expect(second.lines.filter((line) => line === 'relay true')).toEqual([]);
  });

  it('stopped with SIGTERM in the middle of a pulse: releases the relay, says shutdown, exits 0', async () => {
    const { lockerId, observer, start, send, hardwarePath } = await lockerOnDisk();
    const agent = start();
    await agent.waitForLine('ready');
    const open = signedCommand(lockerId, 'open');
    await send(open);
    await agent.waitForLine('relay true');

    agent.child.kill('SIGTERM');

    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(relayInFile(hardwarePath)).toBe(false);
    await observer.waitFor(() => observer.of('status').find((s) => s.reason === 'shutdown'), 'the shutdown status');
    expect(observer.of('state').at(-1)).toMatchObject({ lock: 'locked' });
  });
});
