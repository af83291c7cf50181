import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AgentError } from '../../AgentError';

/** A full-duplex SPI device: what the MFRC522 protocol needs, and all a test has to fake. */
export interface SpiTransport {
  /** Clocks `data` out and returns the bytes clocked in meanwhile (same length). */
  transfer(data: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Where SPI transports come from: the real one loads the optional `spi-device` package lazily. */
export interface SpiProvider {
  /** Throws `hal_driver_unavailable`, saying what to do, when the bus or the package is missing. */
  check(bus: number, chipSelect: number): void;
  open(bus: number, chipSelect: number, speedHz: number): Promise<SpiTransport>;
}

export interface SpiDeviceProviderOptions {
  /** Where `spi-device` is resolved from: the bundle's own file, so /opt/smartlocker/node_modules. */
  resolveFrom?: string;
  exists?: (path: string) => boolean;
}

/** The part of spi-device's API used here (fivdi/spi-device, spi-device.d.ts). */
interface SpiDeviceHandle {
  transfer(
    message: { sendBuffer: Buffer; receiveBuffer: Buffer; byteLength: number; speedHz: number }[],
    callback: (error: Error | null | undefined) => void,
  ): unknown;
  close(callback: (error: Error | null | undefined) => void): void;
}
type SpiDeviceOpen = (
  bus: number,
  device: number,
  options: { mode: number; maxSpeedHz: number },
  callback: (error: Error | null | undefined) => void,
) => SpiDeviceHandle;

const PACKAGE = 'spi-device';
/** The major the install doc pins; v3 builds on Node 20 and later. */
const PACKAGE_SPEC = 'spi-device@3';

/**
 * The real SPI provider: `/dev/spidevB.C` through `spi-device`, a native addon that is NOT one of
 * our dependencies (so `npm ci` never compiles it on a laptop or in CI). The installer puts it
 * next to the agent on the Pi (docs/agent-install.md); it is imported only when the reader opens.
 */
export function spiDeviceProvider(options: SpiDeviceProviderOptions = {}): SpiProvider {
  const resolveFrom = options.resolveFrom ?? import.meta.url;
  const exists = options.exists ?? existsSync;
  const agentDir = dirname(resolveFrom.startsWith('file:') ? fileURLToPath(resolveFrom) : resolveFrom);

  const resolvePackage = (): string | null => {
    try {
      return createRequire(resolveFrom).resolve(PACKAGE);
    } catch {
      return null;
    }
  };

  const check = (bus: number, chipSelect: number): void => {
    const devicePath = `/dev/spidev${bus}.${chipSelect}`;
    if (!exists(devicePath)) {
      throw new AgentError(
        'hal_driver_unavailable',
        `${devicePath} does not exist, so SPI is off: enable it with \`sudo raspi-config nonint do_spi 0\` (Interface Options > SPI) and reboot, or set hal.rfid.enabled to false to run without the badge reader`,
      );
    }
    if (resolvePackage() === null) throw missingPackage();
  };

  const missingPackage = (): AgentError =>
    new AgentError(
      'hal_driver_unavailable',
      `the RC522 badge reader needs the optional package ${PACKAGE}, which is not installed next to the agent: run \`sudo apt install -y build-essential python3 && cd ${agentDir} && npm install ${PACKAGE_SPEC}\` (docs/agent-install.md), or set hal.rfid.enabled to false`,
    );

  return {
    check,

    async open(bus, chipSelect, speedHz) {
      const resolved = resolvePackage();
      if (resolved === null) throw missingPackage();
      let openDevice: SpiDeviceOpen;
      try {
        const loaded = (await import(pathToFileURL(resolved).href)) as {
          default?: { open?: unknown };
          open?: unknown;
        };
        // A CommonJS addon: its exports arrive as the default export.
        const open = loaded.default?.open ?? loaded.open;
        if (typeof open !== 'function') throw new Error(`${PACKAGE} has no open()`);
        openDevice = open as SpiDeviceOpen;
      } catch (error) {
        throw new AgentError(
          'hal_driver_unavailable',
          `${PACKAGE} is installed but does not load (${(error as Error).message}); rebuild it for this Node with \`cd ${agentDir} && npm rebuild ${PACKAGE}\``,
          { cause: error },
        );
      }
      const device = await new Promise<SpiDeviceHandle>((resolve, reject) => {
        const handle = openDevice(bus, chipSelect, { mode: 0, maxSpeedHz: speedHz }, (error) => {
          if (error) {
            reject(
              new AgentError(
                'hal_driver_unavailable',
                `cannot open /dev/spidev${bus}.${chipSelect} (${error.message}); the agent's user must be in the spi group`,
                { cause: error },
              ),
            );
          } else {
            // The callback runs after open() has returned, so the handle is assigned by now.
            resolve(handle);
          }
        });
      });
      return {
        transfer: (data) =>
          new Promise<Uint8Array>((resolve, reject) => {
            const receiveBuffer = Buffer.alloc(data.length);
            const message = [{ sendBuffer: Buffer.from(data), receiveBuffer, byteLength: data.length, speedHz }];
            device.transfer(message, (error) => {
              if (error) reject(error);
              else resolve(new Uint8Array(receiveBuffer));
            });
          }),
        close: () =>
          new Promise<void>((resolve, reject) => {
            device.close((error) => (error ? reject(error) : resolve()));
          }),
      };
    },
  };
}
