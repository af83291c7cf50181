import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { DoorState } from '@smartlocker/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentError } from '../../../src/AgentError';
import { GpioHalConfig } from '../../../src/config';
import { GpioHal } from '../../../src/hal/gpio/GpioHal';
import { describeExit, nodeProcessRunner, waitForExit } from '../../../src/hal/gpio/ProcessRunner';

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the Node process runner (the real adapter behind the fakes)', () => {
  it('delivers stdout line by line, then the exit code and the end of stderr', async () => {
    const process = nodeProcessRunner.spawn('sh', ['-c', 'echo "27 1 10 5"; echo second; echo oops >&2; exit 3']);
    const lines: string[] = [];
    process.onLine((line) => lines.push(line));
    const exit = await waitForExit(process);
    expect(lines).toEqual(['27 1 10 5', 'second']);
    expect(exit).toMatchObject({ code: 3, signal: null, stderr: 'oops\n' });
    expect(describeExit(exit)).toBe('exit code 3: oops');
    expect(process.exited).toBe(true);
    expect(process.kill()).toBe(false);
  });

  it('stops a long-running program with a signal', async () => {
    const process = nodeProcessRunner.spawn('sleep', ['30']);
    expect(process.kill('SIGTERM')).toBe(true);
    await expect(waitForExit(process)).resolves.toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('reports a program that is not installed as ENOENT, spawned or run', async () => {
    const exit = await waitForExit(nodeProcessRunner.spawn('smartlocker-no-such-tool', []));
    expect(exit.error?.code).toBe('ENOENT');
    expect(nodeProcessRunner.runSync('smartlocker-no-such-tool', [], 1_000).error?.code).toBe('ENOENT');
    expect(nodeProcessRunner.runSync('sh', ['-c', 'echo 1'], 1_000)).toMatchObject({ status: 0, stdout: '1\n' });
  });
});

/**
 * Stand-ins for gpioset, gpioget and gpiomon (v1 syntax) that log their argv: holders and
 * watchers run until signalled, and the door watcher reports one opening.
 */
const FAKE_TOOL = `#!/bin/sh
name=$(basename "$0")
if [ "$1" = "--version" ]; then echo "$name (libgpiod) v1.6.3"; exit 0; fi
echo "$name $*" >> "$FAKE_GPIO_LOG"
case "$name" in
  gpioget) echo 0 ;;
  gpioset) case "$*" in *--mode=signal*) exec sleep 30 ;; esac ;;
  gpiomon)
    case "$*" in *" 27") sleep 0.2; echo "27 1 100 5" ;; esac
    exec sleep 30 ;;
esac
`;

describe('GpioHal over real processes (stand-in libgpiod tools on the PATH)', () => {
  it('starts released, watches the door, switches the relay and releases it on close', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'smartlocker-fake-gpiod-'));
    cleanups.push(() => rmSync(bin, { recursive: true, force: true }));
    const log = join(bin, 'calls.log');
    writeFileSync(log, '');
    writeFileSync(join(bin, 'fake-tool'), FAKE_TOOL);
    chmodSync(join(bin, 'fake-tool'), 0o755);
    for (const tool of ['gpioset', 'gpioget', 'gpiomon']) symlinkSync(join(bin, 'fake-tool'), join(bin, tool));
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${savedPath ?? ''}`;
    process.env.FAKE_GPIO_LOG = log;
    cleanups.push(() => {
      process.env.PATH = savedPath;
      delete process.env.FAKE_GPIO_LOG;
    });
    const calls = (): string[] => readFileSync(log, 'utf8').split('\n').filter(Boolean);

    const faults: AgentError[] = [];
    const hal = new GpioHal(GpioHalConfig.parse({ driver: 'gpio', rfid: { enabled: false } }), {
      onFault: (fault) => faults.push(fault),
    });
    expect(hal.libgpiod).toBe(1);
    expect(hal.readDoor()).toBe('closed');
    const doors: DoorState[] = [];
    hal.onDoorChange((door) => doors.push(door));
    await until(() => doors.includes('open'));

    hal.setRelay(true);
    await until(() => calls().includes('gpioset --mode=signal gpiochip0 17=1'));
    hal.setRelay(false);
    await until(() => calls().filter((call) => call === 'gpioset --mode=signal gpiochip0 17=0').length === 2);
    await hal.close();

    expect(calls()).toEqual(
      expect.arrayContaining([
        'gpioget --bias=pull-up gpiochip0 27',
        'gpiomon --bias=pull-up --line-buffered --format=%o %e %s %n gpiochip0 27',
        'gpiomon --bias=pull-down --line-buffered --format=%o %e %s %n gpiochip0 24',
        'gpioset --mode=exit gpiochip0 17=0',
      ]),
    );
    expect(calls().at(-1)).toBe('gpioset --mode=exit gpiochip0 17=0');
    expect(faults).toEqual([]);
  });
});
