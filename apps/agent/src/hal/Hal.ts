import type { DoorState } from '@smartlocker/protocol';

export type HalDriver = 'simulator' | 'gpio';

/**
 * The locker's hardware as the controller sees it: one relay driving the electric strike, one
 * door sensor, one clock. Drivers report facts; the controller derives the locker state from them
 * (SPEC §2). Later issues add the ultrasonic sensor and the badge reader here.
 */
export interface Hal {
  readonly driver: HalDriver;
  /** Energises (true) or releases (false) the strike relay. May throw on a driver fault. */
  setRelay(energised: boolean): void;
  /** The door sensor right now; 'unknown' when the sensor cannot tell (SPEC §2: unknown is a real state). */
  readDoor(): DoorState;
  /** Milliseconds since the epoch, UTC. */
  now(): number;
  /**
   * Optional edge notifications, for drivers whose sensor can interrupt; the controller samples
   * every `doorSampleMs` anyway (SPEC §2: "sampled every 500 ms or on edge"). Returns an unsubscribe.
   */
  onDoorChange?(listener: (door: DoorState) => void): () => void;
  /** Releases the relay and frees the driver's resources. */
  close(): Promise<void>;
}
