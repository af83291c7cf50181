import { EventEmitter } from 'node:events';
import type { CommandType, RefusalReason } from '@smartlocker/protocol';
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
  'alert.raised': {
    lockerId: string;
    alertId: string;
    type: string;
    severity: 'info' | 'warning' | 'critical';
    message: string;
    at: string;
  };
}

export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    // One listener per open browser stream: the default limit of 10 would warn in production.
    this.#emitter.setMaxListeners(0);
  }

  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    this.#emitter.emit(event, payload);
  }

  on<K extends keyof BusEvents>(event: K, listener: (payload: BusEvents[K]) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }
}
