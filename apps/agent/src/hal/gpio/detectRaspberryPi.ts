import { readFileSync } from 'node:fs';

/** Where the Linux kernel publishes the board's model on device-tree machines. */
const MODEL_PATH = '/proc/device-tree/model';

/** The board model ("Raspberry Pi Zero W Rev 1.1"), or null where there is no device tree. */
export function readBoardModel(): string | null {
  try {
    // The file ends with a NUL, as device-tree strings do.
    return readFileSync(MODEL_PATH, 'utf8').replace(/\0+$/, '');
  } catch {
    return null;
  }
}

export function isRaspberryPi(model: string | null): boolean {
  return model?.includes('Raspberry Pi') ?? false;
}
