import { EventEmitter } from 'node:events';
import type { CommandType, RefusalReason } from '@smartlocker/protocol';
import type { AlertView } from './alerts/AlertService';
import type { BookingView } from './services/BookingService';
import type { LockerView } from './services/lockerView';
import type { SportSessionView } from './services/sessionView';

/**
 * The typed bus the parts of the server talk through (STYLE.md ex. 1): the gateway announces
 * what lockers say, the HTTP layer relays it to browsers, nobody imports anybody else.
 */
export interface BusEvents {
  'locker.changed': { locker: LockerView };
  'command.acknowledged': {
    lockerId: string;
    commandId: string;
    commandType: CommandType;
    outcome: 'accepted' | 'refused';
    reason?: RefusalReason;
    /** The user the command was sent for, when known. */
    userId: string | null;
  };
  'pairing.changed': { userId: string; lockerId: string | null };
  /** One of a person's school bookings changed (paid, started, extended, ended, refunded…). */
  'booking.changed': { userId: string; booking: BookingView };
  /** 10 min before a booking's end (issue 5): the app offers "+1 h". */
  'booking.reminder': {
    userId: string;
    bookingId: string;
    endsAt: string;
    extensionOffered: boolean;
    lockerName: string;
    /** `HH:MM` in the site's zone, for the push message. */
    endsAtLocal: string;
  };
  /** A member's sport session started, changed (grace open used) or ended (`session: null`). */
  'session.changed': { userId: string; lockerId: string; session: SportSessionView | null };
  /** An alert was recorded (issue 10); `ownerId` is the locker's current user, who was told. */
  'alert.raised': { alert: AlertView; ownerId: string | null };
  /** An alarm was acknowledged or cleared (by an administrator, or because its end was reported). */
  'alert.changed': { alert: AlertView };
}

export type BusEventName = keyof BusEvents;

/** Where an event was raised: in this process, or on another instance (through the relay). */
export type BusOrigin = 'here' | 'elsewhere';

/** Hands the events raised here to the other instances (cluster/PostgresEventRelay.ts). */
export type BusRelay = <K extends BusEventName>(event: K, payload: BusEvents[K]) => void;

export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });
  #relay: BusRelay | null = null;

  constructor() {
    // One listener per open browser stream: the default limit of 10 would warn in production.
    this.#emitter.setMaxListeners(0);
  }

  /**
   * Announces something that happened here, once for the whole system: to this process's
   * listeners and, through the relay, to every other instance (ADR 11).
   */
  emit<K extends BusEventName>(event: K, payload: BusEvents[K]): void {
    this.#emitter.emit(event, payload, 'here' satisfies BusOrigin);
    this.#relay?.(event, payload);
  }

  /**
   * Announces a fact every instance derives by itself (a heartbeat, a broker status: each
   * instance receives them from the broker), so it is not relayed: the others say it themselves.
   */
  emitLocal<K extends BusEventName>(event: K, payload: BusEvents[K]): void {
    this.#emitter.emit(event, payload, 'here' satisfies BusOrigin);
  }

  /** An event another instance raised, arriving through the relay: never relayed again. */
  deliverRemote<K extends BusEventName>(event: K, payload: BusEvents[K]): void {
    this.#emitter.emit(event, payload, 'elsewhere' satisfies BusOrigin);
  }

  /** Sets the relay every `emit` goes through; returns its removal. */
  attachRelay(relay: BusRelay): () => void {
    this.#relay = relay;
    return () => {
      if (this.#relay === relay) this.#relay = null;
    };
  }

  /** Hears the event wherever it was raised (what browsers are shown). */
  on<K extends BusEventName>(event: K, listener: (payload: BusEvents[K], origin: BusOrigin) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }

  /**
   * Hears only the events raised in this process: for listeners with an effect outside (a push,
   * a mail) that the instance which raised the event carries out once for everybody.
   */
  onOwn<K extends BusEventName>(event: K, listener: (payload: BusEvents[K]) => void): () => void {
    return this.on(event, (payload, origin) => {
      if (origin === 'here') listener(payload);
    });
  }
}
