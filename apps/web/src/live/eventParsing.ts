import { type AdminOverview, readOverview } from '../api/adminOverview';
import { type BookingReminder, type BookingView, readBookingReminder, readBookingView } from '../api/bookings';
import type { AlertEvent, CommandEvent, LockerView } from '../api/types';

/** Parsing of the SSE payloads. Anything malformed is reported as `undefined`, never thrown. */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function parseJson(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

const DOOR_STATES: ReadonlySet<unknown> = new Set(['open', 'closed', 'unknown']);
const LOCK_STATES: ReadonlySet<unknown> = new Set(['locked', 'unlocked']);
const LOCKER_TYPES: ReadonlySet<unknown> = new Set(['school', 'sport']);

export function isLockerView(value: unknown): value is LockerView {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.name === 'string' &&
    LOCKER_TYPES.has(value.type) &&
    typeof value.online === 'boolean' &&
    DOOR_STATES.has(value.door) &&
    LOCK_STATES.has(value.lock) &&
    typeof value.lockdown === 'boolean' &&
    typeof value.updatedAt === 'string'
  );
}

function readOutOfService(value: unknown): LockerView['outOfService'] {
  if (!isRecord(value) || typeof value.since !== 'string') return null;
  return { since: value.since, reason: typeof value.reason === 'string' ? value.reason : null };
}

/** SSE `locker`: a LockerView, or `null` when the user has no paired locker any more. */
export function parseLockerEvent(data: string): LockerView | null | undefined {
  const value = parseJson(data);
  if (value === null) return null;
  if (!isLockerView(value)) return undefined;
  return {
    ...value,
    siteName: typeof value.siteName === 'string' ? value.siteName : '',
    objectPresent: typeof value.objectPresent === 'boolean' ? value.objectPresent : null,
    lockdownUntil: typeof value.lockdownUntil === 'string' ? value.lockdownUntil : null,
    outOfService: readOutOfService(value.outOfService),
  };
}

/** SSE `command`: the locker's acknowledgement of one of the user's commands. */
export function parseCommandEvent(data: string): CommandEvent | undefined {
  const value = parseJson(data);
  if (!isRecord(value) || typeof value.commandId !== 'string') return undefined;
  if (value.outcome !== 'accepted' && value.outcome !== 'refused') return undefined;
  const event: CommandEvent = { commandId: value.commandId, outcome: value.outcome };
  if (typeof value.reason === 'string') event.reason = value.reason;
  return event;
}

const SEVERITIES: ReadonlySet<unknown> = new Set(['info', 'warning', 'critical']);

/** SSE `alert`: an alert raised at the user's locker. */
export function parseAlertEvent(data: string): AlertEvent | undefined {
  const value = parseJson(data);
  if (!isRecord(value) || typeof value.alertId !== 'string' || typeof value.lockerId !== 'string') return undefined;
  if (typeof value.type !== 'string' || !SEVERITIES.has(value.severity) || typeof value.at !== 'string') {
    return undefined;
  }
  return {
    alertId: value.alertId,
    lockerId: value.lockerId,
    type: value.type,
    severity: value.severity as AlertEvent['severity'],
    at: value.at,
    data: isRecord(value.data) ? value.data : {},
  };
}

/** SSE `booking`: one of the user's bookings changed (paid, started, extended, ended, refunded…). */
export function parseBookingEvent(data: string): BookingView | undefined {
  return readBookingView(parseJson(data));
}

/** SSE `reminder`: 10 min before the end of one of the user's bookings (SPEC §5). */
export function parseReminderEvent(data: string): BookingReminder | undefined {
  return readBookingReminder(parseJson(data));
}

/** SSE `overview` (administrators, issue 11): the fleet's counters and today's and this month's revenue. */
export function parseOverviewEvent(data: string): AdminOverview | undefined {
  return readOverview(parseJson(data));
}
