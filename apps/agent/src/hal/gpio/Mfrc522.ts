import { AgentError } from '../../AgentError';
import type { SpiTransport } from './SpiTransport';

/** MFRC522 registers used here (NXP MFRC522 datasheet, §9.2). */
export const MFRC522_REGISTER = {
  Command: 0x01,
  ComIEn: 0x02,
  ComIrq: 0x04,
  Error: 0x06,
  FIFOData: 0x09,
  FIFOLevel: 0x0a,
  Control: 0x0c,
  BitFraming: 0x0d,
  Coll: 0x0e,
  Mode: 0x11,
  TxMode: 0x12,
  RxMode: 0x13,
  TxControl: 0x14,
  TxASK: 0x15,
  ModWidth: 0x24,
  TMode: 0x2a,
  TPrescaler: 0x2b,
  TReloadH: 0x2c,
  TReloadL: 0x2d,
  Version: 0x37,
} as const;

/** MFRC522 commands (datasheet §10.3). */
export const MFRC522_COMMAND = { Idle: 0x00, Transceive: 0x0c, SoftReset: 0x0f } as const;

/** ISO/IEC 14443-3 type A frames sent to the card. */
export const PICC = {
  REQA: 0x26,
  SELECT: [0x93, 0x95, 0x97] as const,
  /** NVB of an anticollision frame: two bytes sent, nothing of the UID known yet. */
  ANTICOLLISION_NVB: 0x20,
  /** NVB of a SELECT frame: seven bytes sent, the whole UID part. */
  SELECT_NVB: 0x70,
  CASCADE_TAG: 0x88,
  HLTA: [0x50, 0x00] as const,
} as const;

const Reg = MFRC522_REGISTER;

const IRQ_RX = 0x20;
const IRQ_IDLE = 0x10;
const IRQ_TIMER = 0x01;
const ERROR_BUFFER_OVERFLOW = 0x10;
const ERROR_COLLISION = 0x08;
const ERROR_PARITY = 0x02;
const ERROR_PROTOCOL = 0x01;
const COMMAND_POWER_DOWN = 0x10;
const BIT_FRAMING_START_SEND = 0x80;
const SAK_UID_NOT_COMPLETE = 0x04;
/** The chip's own timer (25 ms, set in `init`) ends a silent exchange; this only guards a dead bus. */
const MAX_IRQ_POLLS = 2_000;

/**
 * CRC_A of ISO/IEC 14443-3 (annex B): CRC-16/CCITT reflected, preset 0x6363, sent low byte first.
 * Computed here rather than by the chip's CalcCRC command: one SPI round trip less per frame.
 */
export function crcA(bytes: readonly number[]): [number, number] {
  let crc = 0x6363;
  for (const byte of bytes) {
    let b = (byte ^ crc) & 0xff;
    b = (b ^ (b << 4)) & 0xff;
    crc = ((crc >> 8) ^ (b << 8) ^ (b << 3) ^ (b >> 4)) & 0xffff;
  }
  return [crc & 0xff, crc >> 8];
}

export type TransceiveResult =
  | { status: 'ok'; data: number[]; validBits: number }
  /** No answer before the chip's timer ran out: no card in the field. */
  | { status: 'timeout' }
  /** Several cards answered at once. */
  | { status: 'collision' }
  | { status: 'error'; errorRegister: number };

export interface Mfrc522Options {
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The NXP MFRC522 (the RC522 module) over SPI: register access, the Transceive command, and the
 * ISO 14443-3 type A sequence that reads a card's UID (REQA, then per cascade level ANTICOLLISION
 * and SELECT, then HLTA so the card stays quiet until it leaves the field and comes back).
 */
export class Mfrc522 {
  readonly #spi: SpiTransport;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(spi: SpiTransport, options: Mfrc522Options = {}) {
    this.#spi = spi;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Resets and configures the chip; returns its version (0x91 / 0x92 for NXP parts, clones vary).
   * Throws `hal_driver_unavailable` when nothing answers (0x00 or 0xFF: MISO floating or grounded).
   */
  async init(): Promise<number> {
    await this.writeRegister(Reg.Command, MFRC522_COMMAND.SoftReset);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await this.#sleep(5);
      if (((await this.readRegister(Reg.Command)) & COMMAND_POWER_DOWN) === 0) break;
    }
    const version = await this.readRegister(Reg.Version);
    if (version === 0x00 || version === 0xff) {
      throw new AgentError(
        'hal_driver_unavailable',
        `no MFRC522 answers on the SPI bus (version register reads 0x${hex(version)}): check the RC522 wiring (3.3 V, GND, SDA to CE0, SCK, MOSI, MISO, RST) in docs/agent-install.md`,
      );
    }
    await this.writeRegister(Reg.TxMode, 0x00);
    await this.writeRegister(Reg.RxMode, 0x00);
    await this.writeRegister(Reg.ModWidth, 0x26);
    // Timer: starts when a frame is sent (TAuto), 13.56 MHz / (2 × 0xA9 + 1) = 40 kHz, reload 1000 = 25 ms.
    await this.writeRegister(Reg.TMode, 0x80);
    await this.writeRegister(Reg.TPrescaler, 0xa9);
    await this.writeRegister(Reg.TReloadH, 0x03);
    await this.writeRegister(Reg.TReloadL, 0xe8);
    // 100 % ASK modulation, CRC preset 0x6363 (ISO 14443-3).
    await this.writeRegister(Reg.TxASK, 0x40);
    await this.writeRegister(Reg.Mode, 0x3d);
    const txControl = await this.readRegister(Reg.TxControl);
    if ((txControl & 0x03) !== 0x03) await this.writeRegister(Reg.TxControl, txControl | 0x03);
    return version;
  }

  /** The UID of the card in the field as upper-case hex, or null when there is none (or several). */
  async readUid(): Promise<string | null> {
    // ValuesAfterColl off: bits received after a collision are cleared.
    await this.writeRegister(Reg.Coll, (await this.readRegister(Reg.Coll)) & 0x7f);
    const answerToRequest = await this.transceive([PICC.REQA], 7);
    if (answerToRequest.status !== 'ok' || answerToRequest.data.length !== 2) return null;

    const uid: number[] = [];
    for (const select of PICC.SELECT) {
      const anticollision = await this.transceive([select, PICC.ANTICOLLISION_NVB]);
      if (anticollision.status !== 'ok' || anticollision.data.length !== 5) return null;
      const part = anticollision.data.slice(0, 4);
      const checkByte = anticollision.data[4];
      if (part.reduce((xor, byte) => xor ^ byte, 0) !== checkByte) return null;

      const frame = [select, PICC.SELECT_NVB, ...anticollision.data];
      const selectAcknowledge = await this.transceive([...frame, ...crcA(frame)]);
      if (selectAcknowledge.status !== 'ok' || selectAcknowledge.data.length !== 3) return null;
      const [sak = 0, ...crc] = selectAcknowledge.data;
      const [crcLow, crcHigh] = crcA([sak]);
      if (crc[0] !== crcLow || crc[1] !== crcHigh) return null;

      if ((sak & SAK_UID_NOT_COMPLETE) === 0) {
        uid.push(...part);
        await this.#halt();
        return uid.map(hex).join('');
      }
      // Not the last level: the part starts with the cascade tag, the UID goes on at the next level.
      if (part[0] !== PICC.CASCADE_TAG) return null;
      uid.push(...part.slice(1));
    }
    return null;
  }

  /** Sends `data` to the card and collects its answer (datasheet §10.3.1.8, Transceive). */
  async transceive(data: readonly number[], txLastBits = 0): Promise<TransceiveResult> {
    await this.writeRegister(Reg.Command, MFRC522_COMMAND.Idle);
    await this.writeRegister(Reg.ComIrq, 0x7f);
    await this.writeRegister(Reg.FIFOLevel, 0x80);
    await this.writeRegister(Reg.FIFOData, ...data);
    await this.writeRegister(Reg.BitFraming, txLastBits);
    await this.writeRegister(Reg.Command, MFRC522_COMMAND.Transceive);
    await this.writeRegister(Reg.BitFraming, BIT_FRAMING_START_SEND | txLastBits);

    let answered = false;
    for (let poll = 0; poll < MAX_IRQ_POLLS; poll += 1) {
      const irq = await this.readRegister(Reg.ComIrq);
      if (irq & (IRQ_RX | IRQ_IDLE)) {
        answered = true;
        break;
      }
      if (irq & IRQ_TIMER) return { status: 'timeout' };
    }
    if (!answered) return { status: 'timeout' };

    const errors = await this.readRegister(Reg.Error);
    if (errors & (ERROR_BUFFER_OVERFLOW | ERROR_PARITY | ERROR_PROTOCOL)) {
      return { status: 'error', errorRegister: errors };
    }
    if (errors & ERROR_COLLISION) return { status: 'collision' };
    const length = (await this.readRegister(Reg.FIFOLevel)) & 0x7f;
    const received = await this.readFifo(length);
    const validBits = (await this.readRegister(Reg.Control)) & 0x07;
    return { status: 'ok', data: received, validBits };
  }

  /** Datasheet §8.1.2.3: address byte 0AAAAAA0 to write, then the values (several go to the FIFO). */
  async writeRegister(register: number, ...values: number[]): Promise<void> {
    await this.#spi.transfer(Uint8Array.from([(register << 1) & 0x7e, ...values]));
  }

  /** Address byte 1AAAAAA0 to read; the value comes back during the next byte. */
  async readRegister(register: number): Promise<number> {
    const answer = await this.#spi.transfer(Uint8Array.from([((register << 1) & 0x7e) | 0x80, 0x00]));
    return answer[1] ?? 0;
  }

  /** Reads `length` FIFO bytes in one transfer: each byte sent is the next address to read. */
  async readFifo(length: number): Promise<number[]> {
    if (length === 0) return [];
    const address = ((Reg.FIFOData << 1) & 0x7e) | 0x80;
    const frame = new Uint8Array(length + 1).fill(address);
    frame[length] = 0x00;
    const answer = await this.#spi.transfer(frame);
    return Array.from(answer.subarray(1, length + 1));
  }

  /** HLTA: the card stays silent until it leaves the field, so one presentation is one read. */
  async #halt(): Promise<void> {
    // A halted card does not answer: the expected result is a time-out, so it is not checked.
    await this.transceive([...PICC.HLTA, ...crcA(PICC.HLTA)]);
  }
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
