import { useEffect, useRef, useState } from 'preact/hooks';
import type { AdminOverview } from '../api/adminOverview';
import { type AlarmView, readAlarm } from '../api/alerts';
import type { BookingReminder, BookingView } from '../api/bookings';
import { parseSessionEvent, type SessionState } from '../api/sessions';
import type { AlertEvent, CommandEvent, LockerView } from '../api/types';
import {
  parseAlertEvent,
  parseBookingEvent,
  parseCommandEvent,
  parseJson,
  parseLockerEvent,
  parseOverviewEvent,
  parseReminderEvent,
} from './eventParsing';

export type LiveConnection = 'connecting' | 'open' | 'reconnecting';

export interface LiveHandlers {
  /** `streamKey` is the key the delivering stream was opened for. */
  onLocker(view: LockerView | null, streamKey: string): void;
  onCommand(event: CommandEvent): void;
  /** An alert at the user's locker (intrusion, lockdown, door left open). */
  onAlert?(event: AlertEvent): void;
  /** One of the user's school-locker bookings changed (SPEC §5). */
  onBooking?(booking: BookingView): void;
  /** 10 min before the end of one of the user's bookings. */
  onReminder?(reminder: BookingReminder): void;
  /** The member's sport session started, changed or ended, with their totals (issue 6). */
  onSession?(state: SessionState): void;
  /** Administrators: an alarm anywhere in the fleet was raised, acknowledged or cleared (issue 10). */
  onAlarm?(alarm: AlarmView): void;
  /** Administrators: any locker of the fleet changed (the admin panel's live state). */
  onFleetLocker?(view: LockerView): void;
  /** Administrators: the fleet's counters and revenue changed (at most once a second, issue 11). */
  onOverview?(overview: AdminOverview): void;
  /** The browser stopped retrying (the server answered with an error): is the session still valid? */
  onGaveUp(): void;
}

const EVENTS_URL = '/api/events';
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 30_000;

/**
 * One EventSource on /api/events while mounted, reopened when `key` changes (pairing or
 * unpairing, so the server's first event describes the new locker). Never polls.
 *
 * Network drops are retried by EventSource itself. It gives up for good only when the server
 * answers with an error status or a non-stream body (HTML spec, "fail the connection"); then we
 * let the app check the session and open a new EventSource after a growing delay.
 */
export function useLiveEvents(key: string, handlers: LiveHandlers): LiveConnection {
  const [connection, setConnection] = useState<LiveConnection>('connecting');
  const [generation, setGeneration] = useState(0);
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;
  const failuresRef = useRef(0);

  // `key` and `generation` are not read inside: changing either reopens the stream.
  useEffect(() => {
    const source = new EventSource(EVENTS_URL, { withCredentials: true });
    let retryTimer: ReturnType<typeof setTimeout> | undefined;

    source.onopen = () => {
      failuresRef.current = 0;
      setConnection('open');
    };
    source.onerror = () => {
      setConnection('reconnecting');
      if (source.readyState !== EventSource.CLOSED) return;
      source.close();
      handlersRef.current.onGaveUp();
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failuresRef.current);
      failuresRef.current += 1;
      retryTimer = setTimeout(() => setGeneration((value) => value + 1), delay);
    };
    source.addEventListener('locker', (event) => {
      const view = parseLockerEvent(event.data);
      if (view === undefined) {
        console.warn('SSE locker event ignored: unexpected payload', event.data);
        return;
      }
      handlersRef.current.onLocker(view, key);
    });
    source.addEventListener('alert', (event) => {
      const alert = parseAlertEvent(event.data);
      if (alert) handlersRef.current.onAlert?.(alert);
    });
    source.addEventListener('alarm', (event) => {
      const alarm = readAlarm(parseJson(event.data));
      if (alarm) handlersRef.current.onAlarm?.(alarm);
      else console.warn('SSE alarm event ignored: unexpected payload', event.data);
    });
    source.addEventListener('fleet-locker', (event) => {
      const view = parseLockerEvent(event.data);
      if (view) handlersRef.current.onFleetLocker?.(view);
      else console.warn('SSE fleet-locker event ignored: unexpected payload', event.data);
    });
    source.addEventListener('overview', (event) => {
      const overview = parseOverviewEvent(event.data);
      if (overview) handlersRef.current.onOverview?.(overview);
      else console.warn('SSE overview event ignored: unexpected payload', event.data);
    });
    source.addEventListener('command', (event) => {
      const ack = parseCommandEvent(event.data);
      if (!ack) {
        console.warn('SSE command event ignored: unexpected payload', event.data);
        return;
      }
      handlersRef.current.onCommand(ack);
    });
    source.addEventListener('booking', (event) => {
      const booking = parseBookingEvent(event.data);
      if (!booking) {
        console.warn('SSE booking event ignored: unexpected payload', event.data);
        return;
      }
      handlersRef.current.onBooking?.(booking);
    });
    source.addEventListener('reminder', (event) => {
      const reminder = parseReminderEvent(event.data);
      if (!reminder) {
        console.warn('SSE reminder event ignored: unexpected payload', event.data);
        return;
      }
      handlersRef.current.onReminder?.(reminder);
    });

    source.addEventListener('session', (event) => {
      const state = parseSessionEvent(event.data);
      if (!state) {
        console.warn('SSE session event ignored: unexpected payload', event.data);
        return;
      }
      handlersRef.current.onSession?.(state);
    });

    return () => {
      clearTimeout(retryTimer);
      source.close();
    };
  }, [key, generation]);

  return connection;
}
