import { crcA, MFRC522_COMMAND, MFRC522_REGISTER as Reg } from '../../../../src/hal/gpio/Mfrc522';
import type { SpiTransport } from '../../../../src/hal/gpio/SpiTransport';

interface Card {
  uid: number[];
  halted: boolean;
}

const SELECT = [0x93, 0x95, 0x97];

/**
 * An MFRC522 with an ISO 14443-3 type A card in front of it, behind the SpiTransport interface:
 * it decodes the SPI address bytes, keeps the registers and the FIFO, and answers Transceive the
 * way a card does (ATQA, anticollision with BCC, SAK with its CRC_A, silence once halted).
 */
export class FakeMfrc522 implements SpiTransport {
  readonly registers = new Uint8Array(64);
  /** Every frame the reader sent to the card, as bytes. */
  readonly frames: number[][] = [];
  version = 0x92;
  /** Two cards in the field: anticollision reports a collision. */
  collision = false;
  /** The next transfer throws this (a bus error). */
  failNext: Error | null = null;
  closed = false;
  #fifo: number[] = [];
  #card: Card | null = null;

  presentCard(uid: number[]): void {
    this.#card = { uid, halted: false };
  }

  removeCard(): void {
    this.#card = null;
  }

  async transfer(data: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new Error('transfer on a closed SPI device');
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    const answer = new Uint8Array(data.length);
    const first = data[0] ?? 0;
    if (first & 0x80) {
      // A read: every byte but the last names the register whose value comes back in the next byte.
      for (let index = 0; index < data.length - 1; index += 1) {
        answer[index + 1] = this.#read(((data[index] ?? 0) >> 1) & 0x3f);
      }
    } else {
      for (const value of data.subarray(1)) this.#write((first >> 1) & 0x3f, value);
    }
    return answer;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  #read(register: number): number {
    switch (register) {
      case Reg.FIFOData:
        return this.#fifo.shift() ?? 0;
      case Reg.FIFOLevel:
        return this.#fifo.length;
      case Reg.Version:
        return this.version;
      default:
        return this.registers[register] ?? 0;
    }
  }

  #write(register: number, value: number): void {
    switch (register) {
      case Reg.FIFOData:
        this.#fifo.push(value);
        return;
      case Reg.FIFOLevel:
        if (value & 0x80) this.#fifo = [];
        return;
      case Reg.ComIrq:
        // Set1 (bit 7) says whether the marked bits are set or cleared.
        if (value & 0x80) this.registers[Reg.ComIrq] = (this.registers[Reg.ComIrq] ?? 0) | (value & 0x7f);
        else this.registers[Reg.ComIrq] = (this.registers[Reg.ComIrq] ?? 0) & ~value;
        return;
      case Reg.Command:
        if ((value & 0x0f) === MFRC522_COMMAND.SoftReset) {
          this.registers.fill(0);
          this.#fifo = [];
        } else {
          this.registers[Reg.Command] = value;
        }
        return;
      case Reg.BitFraming:
        this.registers[Reg.BitFraming] = value & 0x7f;
        if (value & 0x80 && ((this.registers[Reg.Command] ?? 0) & 0x0f) === MFRC522_COMMAND.Transceive) {
          this.#transceive(value & 0x07);
        }
        return;
      default:
        this.registers[register] = value;
    }
  }

  #transceive(txLastBits: number): void {
    const frame = this.#fifo.splice(0);
    this.frames.push(frame);
    this.registers[Reg.Error] = 0;
    const answer = this.#answer(frame, txLastBits);
    if (answer === null) {
      // Silence: the chip's timer runs out.
      this.registers[Reg.ComIrq] = (this.registers[Reg.ComIrq] ?? 0) | 0x01;
      return;
    }
    if (answer === 'collision') {
      this.registers[Reg.Error] = 0x08;
      this.#fifo.push(0x00, 0x00, 0x00, 0x00, 0x00);
    } else {
      this.#fifo.push(...answer);
    }
    this.registers[Reg.Control] = 0;
    this.registers[Reg.ComIrq] = (this.registers[Reg.ComIrq] ?? 0) | 0x30;
  }

  #answer(frame: number[], txLastBits: number): number[] | 'collision' | null {
    const antennaOn = ((this.registers[Reg.TxControl] ?? 0) & 0x03) === 0x03;
    const card = this.#card;
    if (!antennaOn || !card || card.halted) return null;
    const [command = -1, second = -1] = frame;
    if (frame.length === 1 && command === 0x26 && txLastBits === 7) {
      // ATQA: bits 7-6 give the UID size (single, double, triple).
      return [card.uid.length === 4 ? 0x04 : card.uid.length === 7 ? 0x44 : 0x84, 0x00];
    }
    const level = SELECT.indexOf(command);
    if (level >= 0 && second === 0x20 && frame.length === 2) {
      if (this.collision) return 'collision';
      const part = this.#part(card, level);
      return [...part, part.reduce((xor, byte) => xor ^ byte, 0)];
    }
    if (level >= 0 && second === 0x70 && frame.length === 9) {
      const part = this.#part(card, level);
      const [crcLow, crcHigh] = crcA(frame.slice(0, 7));
      if (frame[7] !== crcLow || frame[8] !== crcHigh) return null;
      if (part.some((byte, index) => frame[2 + index] !== byte)) return null;
      const levels = card.uid.length === 4 ? 1 : card.uid.length === 7 ? 2 : 3;
      const sak = level + 1 < levels ? 0x04 : 0x08;
      return [sak, ...crcA([sak])];
    }
    if (command === 0x50 && second === 0x00 && frame.length === 4) {
      const [crcLow, crcHigh] = crcA([0x50, 0x00]);
      if (frame[2] === crcLow && frame[3] === crcHigh) card.halted = true;
      return null;
    }
    return null;
  }

  /** The four UID bytes a cascade level carries (with the cascade tag 0x88 when more follow). */
  #part(card: Card, level: number): number[] {
    const { uid } = card;
    if (uid.length === 4) return uid.slice(0, 4);
    if (uid.length === 7) return level === 0 ? [0x88, ...uid.slice(0, 3)] : uid.slice(3, 7);
    if (level === 0) return [0x88, ...uid.slice(0, 3)];
    if (level === 1) return [0x88, ...uid.slice(3, 6)];
    return uid.slice(6, 10);
  }
}
