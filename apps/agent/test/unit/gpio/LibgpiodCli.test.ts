import { describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/AgentError';
import { LibgpiodCli } from '../../../src/hal/gpio/LibgpiodCli';
import { FakeProcessRunner, libgpiodWorld } from './fakes/FakeProcessRunner';

function runnerAnswering(stdout: string, status = 0): FakeProcessRunner {
  const runner = new FakeProcessRunner();
  runner.sync = () => ({ status, stdout, stderr: '' });
  return runner;
}

function detectError(runner: FakeProcessRunner): AgentError {
  try {
    LibgpiodCli.detect(runner, 'gpiochip0');
  } catch (error) {
    return error as AgentError;
  }
  throw new Error('detect did not throw');
}

describe('libgpiod detection', () => {
  it('reads the major version from `gpioset --version`', () => {
    expect(LibgpiodCli.detect(libgpiodWorld(1).runner, 'gpiochip0').major).toBe(1);
    expect(LibgpiodCli.detect(libgpiodWorld(2).runner, 'gpiochip0').major).toBe(2);
    expect(LibgpiodCli.detect(runnerAnswering('gpioset (libgpiod) 2.0.2\n'), 'gpiochip0').major).toBe(2);
    const runner = libgpiodWorld(2).runner;
    LibgpiodCli.detect(runner, 'gpiochip0');
    expect(runner.syncCalls).toEqual(['gpioset --version']);
  });

  it('takes a forced syntax from the configuration, still checking the tools are there', () => {
    const runner = runnerAnswering('something else entirely');
    expect(LibgpiodCli.detect(runner, 'gpiochip0', 'v1').major).toBe(1);
    expect(runner.syncCalls).toEqual(['gpioset --version']);
  });

  it('says what to install when the tools are missing', () => {
    const runner = new FakeProcessRunner();
    runner.sync = () => ({
      status: null,
      stdout: '',
      stderr: '',
      error: Object.assign(new Error('spawnSync gpioset ENOENT'), { code: 'ENOENT' }),
    });
    const error = detectError(runner);
    expect(error).toBeInstanceOf(AgentError);
    expect(error.code).toBe('hal_driver_unavailable');
    expect(error.message).toContain('gpioset is not on the PATH');
    expect(error.message).toContain('sudo apt install gpiod');
  });

  it('refuses a libgpiod too old for bias, and an answer it cannot read', () => {
    const old = detectError(runnerAnswering('gpioset (libgpiod) v1.4.1\n'));
    expect(old.code).toBe('hal_driver_unavailable');
    expect(old.message).toContain('v1.4 is too old');
    const unreadable = detectError(runnerAnswering('gpioset 9000\n'));
    expect(unreadable.message).toContain('set hal.libgpiod to "v1" or "v2"');
    const failing = detectError(runnerAnswering('', 1));
    expect(failing.message).toContain('`gpioset --version` failed (exit code 1)');
  });
});

describe('libgpiod v1 command lines', () => {
  const cli = new LibgpiodCli(1, 'gpiochip0');

  it('holds a line with --mode=signal and writes once with --mode=exit', () => {
    expect(cli.hold(17, 1)).toEqual({ command: 'gpioset', args: ['--mode=signal', 'gpiochip0', '17=1'] });
    expect(cli.setOnce(17, 0)).toEqual({ command: 'gpioset', args: ['--mode=exit', 'gpiochip0', '17=0'] });
  });

  it('pulses high for the given width then drives the line low', () => {
    expect(cli.pulse(23, 10)).toEqual([
      { command: 'gpioset', args: ['--mode=time', '--usec=10', '--bias=pull-down', 'gpiochip0', '23=1'] },
      { command: 'gpioset', args: ['--mode=exit', '--bias=pull-down', 'gpiochip0', '23=0'] },
    ]);
  });

  it('reads and watches with the bias and a line-buffered, parseable format', () => {
    expect(cli.get(27, 'pull-up')).toEqual({ command: 'gpioget', args: ['--bias=pull-up', 'gpiochip0', '27'] });
    expect(cli.monitor(27, 'pull-up')).toEqual({
      command: 'gpiomon',
      args: ['--bias=pull-up', '--line-buffered', '--format=%o %e %s %n', 'gpiochip0', '27'],
    });
    expect(cli.get(24, 'as-is').args).toEqual(['gpiochip0', '24']);
  });

  it('parses edges, with nanoseconds that v1 does not zero-pad', () => {
    expect(cli.parseEvent('27 1 1234 5')).toEqual({ offset: 27, rising: true, timestampNs: 1_234_000_000_005n });
    expect(cli.parseEvent('24 0 7 999999999')).toEqual({ offset: 24, rising: false, timestampNs: 7_999_999_999n });
    expect(cli.parseEvent('event:  RISING EDGE offset: 27 timestamp: [1.000000001]')).toBeNull();
    expect(cli.parseLevel('1\n')).toBe(1);
    expect(cli.parseLevel('0')).toBe(0);
    expect(cli.parseLevel('gpioget: error')).toBeNull();
  });
});

describe('libgpiod v2 command lines', () => {
  const cli = new LibgpiodCli(2, 'gpiochip0');

  it('holds by default and exits after setting with --toggle=0', () => {
    expect(cli.hold(17, 1)).toEqual({
      command: 'gpioset',
      args: ['--consumer=smartlocker', '--chip=gpiochip0', '17=1'],
    });
    expect(cli.setOnce(17, 0)).toEqual({
      command: 'gpioset',
      args: ['--toggle=0', '--consumer=smartlocker', '--chip=gpiochip0', '17=0'],
    });
  });

  it('pulses with one toggle whose last period 0 makes gpioset exit', () => {
    expect(cli.pulse(23, 10)).toEqual([
      {
        command: 'gpioset',
        args: ['--bias=pull-down', '--toggle=10us,0', '--consumer=smartlocker', '--chip=gpiochip0', '23=1'],
      },
    ]);
  });

  it('watches both edges with a parseable format', () => {
    expect(cli.monitor(24, 'pull-down')).toEqual({
      command: 'gpiomon',
      args: [
        '--bias=pull-down',
        '--edges=both',
        '--format=%o %E %S',
        '--consumer=smartlocker',
        '--chip=gpiochip0',
        '24',
      ],
    });
    expect(cli.get(27, 'pull-up').args).toEqual(['--bias=pull-up', '--consumer=smartlocker', '--chip=gpiochip0', '27']);
  });

  it('parses edges and the quoted values gpioget prints', () => {
    expect(cli.parseEvent('27 rising 12.000000500')).toEqual({
      offset: 27,
      rising: true,
      timestampNs: 12_000_000_500n,
    });
    expect(cli.parseEvent('27 falling 12.5')).toBeNull();
    expect(cli.parseLevel('"27"=active\n')).toBe(1);
    expect(cli.parseLevel('"GPIO27"=inactive')).toBe(0);
    expect(cli.parseLevel('1')).toBe(1);
  });
});

describe('tool failures', () => {
  const cli = new LibgpiodCli(2, 'gpiochip0');

  it('points at the fix the message calls for', () => {
    const denied = cli.failure('reading the door', {
      code: 1,
      signal: null,
      stderr: "gpioget: unable to open chip '/dev/gpiochip0': Permission denied\n",
    });
    expect(denied.code).toBe('hal_driver_unavailable');
    expect(denied.message).toContain('exit code 1: gpioget: unable to open chip');
    expect(denied.message).toContain('gpio group');
    const busy = cli.failure('holding the relay', {
      code: 1,
      signal: null,
      stderr: 'gpioset: unable to request lines: Device or resource busy',
    });
    expect(busy.message).toContain('gpioinfo');
  });
});
