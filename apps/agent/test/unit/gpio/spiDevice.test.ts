import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { spiDeviceProvider } from '../../../src/hal/gpio/SpiTransport';
import { thrown } from './halFixture';

const dirs: string[] = [];

/** A folder laid out like /opt/smartlocker: agent.js, and node_modules/spi-device when `withPackage`. */
function agentFolder(withPackage: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'smartlocker-spi-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'agent.js'), '');
  if (withPackage !== null) {
    const pkg = join(dir, 'node_modules', 'spi-device');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'spi-device', version: '3.1.2', main: 'spi-device.js' }),
    );
    writeFileSync(join(pkg, 'spi-device.js'), withPackage);
  }
  return dir;
}

/**
 * A stand-in for the spi-device addon with its CommonJS shape and asynchronous callbacks: a
 * loopback that answers each byte plus one, and records what it was asked.
 */
const LOOPBACK_ADDON = `
const calls = (globalThis.__spiDeviceCalls = []);
exports.open = (bus, device, options, cb) => {
  calls.push(['open', bus, device, options]);
  const handle = {
    transfer(message, done) {
      calls.push(['transfer', message[0].byteLength, message[0].speedHz]);
      setImmediate(() => {
        message[0].sendBuffer.forEach((byte, i) => { message[0].receiveBuffer[i] = (byte + 1) & 0xff; });
        done(null, message);
      });
      return handle;
    },
    close(done) { calls.push(['close']); setImmediate(() => done(null)); },
  };
  setImmediate(() => cb(bus === 0 ? null : new Error('ENOENT, No such file or directory')));
  return handle;
};
`;

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('spi-device, the optional package behind the RC522', () => {
  it('says how to enable SPI when /dev/spidev0.0 is missing', () => {
    const provider = spiDeviceProvider({ resolveFrom: join(agentFolder(null), 'agent.js'), exists: () => false });
    const error = thrown(() => provider.check(0, 0));
    expect(error.code).toBe('hal_driver_unavailable');
    expect(error.message).toContain('/dev/spidev0.0 does not exist');
    expect(error.message).toContain('sudo raspi-config nonint do_spi 0');
  });

  it('says exactly what to install, and where, when the package is absent', async () => {
    const dir = agentFolder(null);
    const provider = spiDeviceProvider({ resolveFrom: join(dir, 'agent.js'), exists: () => true });
    const error = thrown(() => provider.check(0, 0));
    expect(error.code).toBe('hal_driver_unavailable');
    expect(error.message).toContain(`cd ${dir} && npm install spi-device@3`);
    expect(error.message).toContain('build-essential');
    await expect(provider.open(0, 0, 1_000_000)).rejects.toMatchObject({ code: 'hal_driver_unavailable' });
  });

  it('says to rebuild a package that is there but does not load', async () => {
    const dir = agentFolder("throw new Error('Could not locate the bindings file.');");
    const provider = spiDeviceProvider({ resolveFrom: pathToFileURL(join(dir, 'agent.js')).href, exists: () => true });
    expect(() => provider.check(0, 0)).not.toThrow();
    await expect(provider.open(0, 0, 1_000_000)).rejects.toMatchObject({
      code: 'hal_driver_unavailable',
      message: expect.stringContaining(`npm rebuild spi-device`),
    });
  });

  it('loads the package lazily from next to the agent and transfers through it', async () => {
    const dir = agentFolder(LOOPBACK_ADDON);
    const provider = spiDeviceProvider({ resolveFrom: pathToFileURL(join(dir, 'agent.js')).href, exists: () => true });
    provider.check(0, 0);
    const transport = await provider.open(0, 0, 1_000_000);
    await expect(transport.transfer(Uint8Array.from([0x6e, 0x00]))).resolves.toEqual(Uint8Array.from([0x6f, 0x01]));
    await transport.close();
    expect((globalThis as { __spiDeviceCalls?: unknown[] }).__spiDeviceCalls).toEqual([
      ['open', 0, 0, { mode: 0, maxSpeedHz: 1_000_000 }],
      ['transfer', 2, 1_000_000],
      ['close'],
    ]);
    await expect(provider.open(1, 0, 1_000_000)).rejects.toMatchObject({
      code: 'hal_driver_unavailable',
      message: expect.stringContaining('cannot open /dev/spidev1.0'),
    });
  });
});
