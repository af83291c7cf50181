import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentError } from '../../../src/AgentError';
import { crcA, Mfrc522, MFRC522_REGISTER as Reg } from '../../../src/hal/gpio/Mfrc522';
import { Rc522BadgeReader } from '../../../src/hal/gpio/Rc522BadgeReader';
import { FakeMfrc522 } from './fakes/FakeMfrc522';
import { gpioHal } from './halFixture';

const noSleep = async (): Promise<void> => undefined;

async function readyChip(): Promise<{ fake: FakeMfrc522; chip: Mfrc522 }> {
  const fake = new FakeMfrc522();
  const chip = new Mfrc522(fake, { sleep: noSleep });
  await chip.init();
  return { fake, chip };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CRC_A (ISO/IEC 14443-3 annex B)', () => {
  it('matches the standard’s worked examples', () => {
    expect(crcA([0x00, 0x00])).toEqual([0xa0, 0x1e]);
    expect(crcA([0x12, 0x34])).toEqual([0x26, 0xcf]);
    // HLTA as every reader sends it: 50 00 57 CD.
    expect(crcA([0x50, 0x00])).toEqual([0x57, 0xcd]);
  });
});

describe('MFRC522 register protocol', () => {
  it('resets, configures the timer and modulation, and switches the antenna on', async () => {
    const { fake } = await readyChip();
    expect(fake.registers[Reg.TMode]).toBe(0x80);
    expect(fake.registers[Reg.TPrescaler]).toBe(0xa9);
    expect(fake.registers[Reg.TReloadH]).toBe(0x03);
    expect(fake.registers[Reg.TReloadL]).toBe(0xe8);
    expect(fake.registers[Reg.TxASK]).toBe(0x40);
    expect(fake.registers[Reg.Mode]).toBe(0x3d);
    expect((fake.registers[Reg.TxControl] ?? 0) & 0x03).toBe(0x03);
  });

  it('says to check the wiring when nothing answers on the bus', async () => {
    const fake = new FakeMfrc522();
    fake.version = 0x00;
    await expect(new Mfrc522(fake, { sleep: noSleep }).init()).rejects.toMatchObject({
      code: 'hal_driver_unavailable',
      message: expect.stringContaining('no MFRC522 answers on the SPI bus (version register reads 0x00)'),
    });
  });

  it('reads a 4-byte UID: REQA, anticollision, SELECT with CRC_A, then HLTA', async () => {
    const { fake, chip } = await readyChip();
    fake.presentCard([0xde, 0xad, 0xbe, 0xef]);
    await expect(chip.readUid()).resolves.toBe('DEADBEEF');
    const bcc = 0xde ^ 0xad ^ 0xbe ^ 0xef;
    const select = [0x93, 0x70, 0xde, 0xad, 0xbe, 0xef, bcc];
    expect(fake.frames).toEqual([[0x26], [0x93, 0x20], [...select, ...crcA(select)], [0x50, 0x00, 0x57, 0xcd]]);
  });

  it('reads 7- and 10-byte UIDs through the cascade levels', async () => {
    const { fake, chip } = await readyChip();
    fake.presentCard([0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6]);
    await expect(chip.readUid()).resolves.toBe('04A1B2C3D4E5F6');
    expect(fake.frames.map((frame) => frame.slice(0, 2))).toEqual([
      [0x26],
      [0x93, 0x20],
      [0x93, 0x70],
      [0x95, 0x20],
      [0x95, 0x70],
      [0x50, 0x00],
    ]);
    fake.presentCard([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expect(chip.readUid()).resolves.toBe('0102030405060708090A');
  });

  it('reads nothing with no card, with a halted card, or with two cards colliding', async () => {
    const { fake, chip } = await readyChip();
    await expect(chip.readUid()).resolves.toBeNull();
    fake.presentCard([0x11, 0x22, 0x33, 0x44]);
    await expect(chip.readUid()).resolves.toBe('11223344');
    // Still in the field, halted: silent until it leaves and comes back.
    await expect(chip.readUid()).resolves.toBeNull();
    fake.removeCard();
    fake.presentCard([0x11, 0x22, 0x33, 0x44]);
    await expect(chip.readUid()).resolves.toBe('11223344');
    fake.presentCard([0x55, 0x66, 0x77, 0x88]);
    fake.collision = true;
    await expect(chip.readUid()).resolves.toBeNull();
  });
});

describe('RC522 badge reader', () => {
  it('announces each presentation of a card once', async () => {
    vi.useFakeTimers();
    const fake = new FakeMfrc522();
    const faults: AgentError[] = [];
    const reader = new Rc522BadgeReader({
      openTransport: async () => fake,
      label: 'the RC522 (SPI0 CE0)',
      pollMs: 250,
      onFault: (fault) => faults.push(fault),
      chip: { sleep: noSleep },
    });
    const badges: string[] = [];
    reader.onBadge((uid) => badges.push(uid));
    reader.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(reader.ready).toBe(true);
    fake.presentCard([0xca, 0xfe, 0xba, 0xbe]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(badges).toEqual(['CAFEBABE']);
    fake.removeCard();
    await vi.advanceTimersByTimeAsync(500);
    fake.presentCard([0xca, 0xfe, 0xba, 0xbe]);
    await vi.advanceTimersByTimeAsync(500);
    expect(badges).toEqual(['CAFEBABE', 'CAFEBABE']);
    expect(faults).toEqual([]);
    await reader.close();
    expect(fake.closed).toBe(true);
  });

  it('reports a bus failure once, then reopens the reader after a back-off', async () => {
    vi.useFakeTimers();
    const fake = new FakeMfrc522();
    const faults: AgentError[] = [];
    let opens = 0;
    const reader = new Rc522BadgeReader({
      openTransport: async () => {
        opens += 1;
        fake.closed = false;
        return fake;
      },
      label: 'the RC522 (SPI0 CE0)',
      pollMs: 250,
      retryDelayMs: 5_000,
      onFault: (fault) => faults.push(fault),
      chip: { sleep: noSleep },
    });
    const badges: string[] = [];
    reader.onBadge((uid) => badges.push(uid));
    reader.start();
    await vi.advanceTimersByTimeAsync(0);
    fake.failNext = new Error('EIO: i/o error, ioctl');
    await vi.advanceTimersByTimeAsync(300);
    expect(reader.ready).toBe(false);
    expect(fake.closed).toBe(true);
    expect(faults.map((fault) => [fault.code, fault.message])).toEqual([
      ['hal_driver_unavailable', expect.stringContaining('polling the RC522 (SPI0 CE0) failed: EIO: i/o error, ioctl')],
    ]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(opens).toBe(2);
    fake.presentCard([0x01, 0x02, 0x03, 0x04]);
    await vi.advanceTimersByTimeAsync(300);
    expect(badges).toEqual(['01020304']);
    await reader.close();
  });
});

describe('RC522 in the GPIO driver (SPEC §2: SPI0, reset on BCM 25)', () => {
  it('holds RST high, opens SPI0 CE0 and hands badges to onBadge', async () => {
    vi.useFakeTimers();
    const { hal, runner, reader, spiOpens } = gpioHal(2, { rfid: { enabled: true } });
    expect(runner.last('25=').argv).toBe('gpioset --consumer=smartlocker --chip=gpiochip0 25=1');
    const badges: string[] = [];
    hal.onBadge((uid) => badges.push(uid));
    await vi.advanceTimersByTimeAsync(0);
    expect(spiOpens).toEqual(['spidev0.0 @ 1000000 Hz']);
    reader.presentCard([0xde, 0xad, 0xbe, 0xef]);
    await vi.advanceTimersByTimeAsync(300);
    expect(badges).toEqual(['DEADBEEF']);
    await hal.close();
    expect(reader.closed).toBe(true);
    expect(runner.running).toEqual([]);
  });

  it('gives a no-op subscription when the reader is disabled', async () => {
    const { hal, spiOpens } = gpioHal(2, { rfid: { enabled: false } });
    expect(hal.onBadge(() => undefined)).toBeTypeOf('function');
    expect(spiOpens).toEqual([]);
    await hal.close();
  });
});
