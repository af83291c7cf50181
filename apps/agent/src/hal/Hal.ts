import type { DoorState } from '@smartlocker/protocol';

export type HalDriver = 'simulator' | 'gpio';

/**
 * The locker's hardware as the controller sees it (SPEC §2): the relay driving the electric
 * strike, the reed door sensor, the HC-SR04 distance sensor, the RC522 badge reader and a clock.
 * Drivers report raw facts; every rule (filtering, debouncing, alerts) lives in the controller,
 * so the simulator and the GPIO drivers behave identically from its point of view.
 */
export interface Hal {
  readonly driver: HalDriver;
  /** Energises (true) or releases (false) the strike relay. May throw on a driver fault. */
  setRelay(energised: boolean): void;
  /** The door sensor right now; 'unknown' when the sensor cannot tell (SPEC §2: unknown is a real state). */
  readDoor(): DoorState;
  /**
   * One raw distance reading in centimetres, or null when no echo came back in time. Outliers
   * (relay interference, seed bug 3) are returned as measured: the controller drops them.
   */
  readDistanceCm(): Promise<number | null>;
  /** Milliseconds since the epoch, UTC. */
  now(): number;
  /**
   * Optional edge notifications, for drivers whose sensor can interrupt; the controller samples
   * every `doorSampleMs` anyway (SPEC §2: "sampled every 500 ms or on edge"). Returns an unsubscribe.
   */
  onDoorChange?(listener: (door: DoorState) => void): () => void;
  /** Badges presented to the reader, as the card UID in upper-case hex. Returns an unsubscribe. */
  onBadge(listener: (uid: string) => void): () => void;
  /** Releases the relay and frees the driver's resources. */
  close(): Promise<void>;
}
