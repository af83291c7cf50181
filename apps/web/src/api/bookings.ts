import { createHttp, type FetchLike } from './client';
import { type ServerClock, serverClock, withServerTime } from './serverClock';

/**
 * The school-locker booking API (SPEC §5, issue 5): an hourly calendar, bookings paid through
 * Stripe Checkout, +1 h extensions, and the browser's half of applying a paid Checkout Session.
 * Times are UTC instants (ISO 8601); calendar dates and hours are the site's wall clock.
 */

export type BookingStatus = 'pending' | 'confirmed' | 'active' | 'completed' | 'expired' | 'cancelled' | 'refunded';

export type ExtensionRefusal = 'too_early' | 'too_late' | 'ends_after_closing' | 'next_hour_taken' | 'not_extendable';

export interface BookingExtension {
  offered: boolean;
  newEndsAt: string | null;
  amountCents: number;
  refusal: ExtensionRefusal | null;
}

export interface BookingView {
  id: string;
  lockerId: string;
  lockerName: string;
  status: BookingStatus;
  startsAt: string;
  endsAt: string;
  /** Total paid, extensions included, in cents. */
  amountCents: number;
  currency: 'eur';
  /** While pending: the slot is held for the payer until then. */
  holdExpiresAt: string | null;
  /** While pending: where to resume the payment. */
  checkoutUrl: string | null;
  /** Why a booking ended early: `locker_unavailable`, `payment_failed`, `hold_expired`… */
  statusReason: string | null;
  extension: BookingExtension;
  /** Active now and the user's: the Open button works. */
  canOpen: boolean;
}

/** What a calendar cell tells: free, booked by someone (never who), the user's own, or gone. */
export type SlotState = 'free' | 'taken' | 'mine' | 'past';

export interface CalendarHour {
  /** Site-local start hour, 8 to 21. */
  hour: number;
  startsAt: string;
  endsAt: string;
  state: SlotState;
}

export interface CalendarDay {
  /** Site-local date, `YYYY-MM-DD`. */
  date: string;
  hours: CalendarHour[];
}

export interface BookingRules {
  maxDaysAhead: number;
  firstStartHour: number;
  lastStartHour: number;
  closingHour: number;
  minDurationHours: number;
  maxDurationHours: number;
  priceCentsPerHour: number;
}

/** GET /api/bookings/calendar: today and the next 14 days at the paired school locker. */
export interface BookingCalendar {
  lockerId: string;
  lockerName: string;
  /** The site's IANA time zone; dates and hours above are on its wall clock. */
  timeZone: string;
  now: string;
  lockerOnline: boolean;
  rules: BookingRules;
  days: CalendarDay[];
}

export interface BookingRequest {
  date: string;
  startHour: number;
  durationHours: number;
}

export interface CreatedBooking {
  booking: BookingView;
  checkoutUrl: string;
  /** `locker_offline`: accepted (it starts later) although the locker is offline now. */
  warning: 'locker_offline' | null;
}

export interface BookingList {
  now: string;
  /** Pending, confirmed, active, and completed ones still extendable; by start. */
  bookings: BookingView[];
}

export interface PaymentConfirmation {
  paid: boolean;
  booking: BookingView | null;
}

/** SSE `reminder`: 10 min before the end of one of the user's bookings. */
export interface BookingReminder {
  bookingId: string;
  endsAt: string;
  extensionOffered: boolean;
}

const STATUSES: ReadonlySet<unknown> = new Set<BookingStatus>([
  'pending',
  'confirmed',
  'active',
  'completed',
  'expired',
  'cancelled',
  'refunded',
]);
const REFUSALS: ReadonlySet<unknown> = new Set<ExtensionRefusal>([
  'too_early',
  'too_late',
  'ends_after_closing',
  'next_hour_taken',
  'not_extendable',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isInstant(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

const NO_EXTENSION: BookingExtension = { offered: false, newEndsAt: null, amountCents: 0, refusal: null };

function readExtension(value: unknown): BookingExtension {
  if (!isRecord(value)) return NO_EXTENSION;
  return {
    offered: value.offered === true,
    newEndsAt: isInstant(value.newEndsAt) ? value.newEndsAt : null,
    amountCents: typeof value.amountCents === 'number' ? value.amountCents : 0,
    refusal: REFUSALS.has(value.refusal) ? (value.refusal as ExtensionRefusal) : null,
  };
}

/**
 * A BookingView from the server (an answer or an SSE `booking`): `undefined` when what makes a
 * booking is missing; fields a screen can live without get safe defaults (no extension, no Open).
 */
export function readBookingView(value: unknown): BookingView | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || !STATUSES.has(value.status)) return undefined;
  if (!isInstant(value.startsAt) || !isInstant(value.endsAt)) return undefined;
  return {
    id: value.id,
    lockerId: typeof value.lockerId === 'string' ? value.lockerId : '',
    lockerName: typeof value.lockerName === 'string' ? value.lockerName : '',
    status: value.status as BookingStatus,
    startsAt: value.startsAt,
    endsAt: value.endsAt,
    amountCents: typeof value.amountCents === 'number' ? value.amountCents : 0,
    currency: 'eur',
    holdExpiresAt: isInstant(value.holdExpiresAt) ? value.holdExpiresAt : null,
    checkoutUrl: stringOrNull(value.checkoutUrl),
    statusReason: stringOrNull(value.statusReason),
    extension: readExtension(value.extension),
    canOpen: value.canOpen === true,
  };
}

/** An SSE `reminder` payload, or `undefined` when malformed. */
export function readBookingReminder(value: unknown): BookingReminder | undefined {
  if (!isRecord(value) || typeof value.bookingId !== 'string' || !isInstant(value.endsAt)) return undefined;
  return { bookingId: value.bookingId, endsAt: value.endsAt, extensionOffered: value.extensionOffered === true };
}

function readBookings(value: unknown): BookingView[] {
  return Array.isArray(value) ? value.flatMap((item) => readBookingView(item) ?? []) : [];
}

function requireBooking(value: unknown): BookingView {
  const booking = readBookingView(value);
  if (!booking) throw new Error('the server sent no readable booking');
  return booking;
}

interface BookingAnswer {
  now?: string;
  booking?: unknown;
}

interface CheckoutAnswer {
  booking?: unknown;
  checkoutUrl?: unknown;
  warning?: unknown;
}

export function createBookingApi(fetchImpl?: FetchLike, clock: ServerClock = serverClock) {
  const { json } = createHttp(fetchImpl);
  const bookingPath = (id: string, action = '') => `/api/bookings/${encodeURIComponent(id)}${action}`;

  /** A Checkout redirect: the URL at the top level, or the pending booking's own. */
  function checkoutOf(answer: CheckoutAnswer): { booking: BookingView; checkoutUrl: string } {
    const booking = requireBooking(answer.booking);
    const checkoutUrl = stringOrNull(answer.checkoutUrl) ?? booking.checkoutUrl;
    if (!checkoutUrl) throw new Error('the server sent no Checkout URL');
    return { booking, checkoutUrl };
  }

  return {
    calendar: () => withServerTime(() => json<BookingCalendar>('GET', '/api/bookings/calendar'), clock),

    list: async (): Promise<BookingList> => {
      const answer = await withServerTime(
        () => json<{ now?: string; bookings?: unknown }>('GET', '/api/bookings'),
        clock,
      );
      return { now: answer.now ?? '', bookings: readBookings(answer.bookings) };
    },

    get: async (id: string): Promise<BookingView> =>
      requireBooking((await withServerTime(() => json<BookingAnswer>('GET', bookingPath(id)), clock)).booking),

    create: async (request: BookingRequest): Promise<CreatedBooking> => {
      const answer = await json<CheckoutAnswer>('POST', '/api/bookings', request);
      return { ...checkoutOf(answer), warning: answer.warning === 'locker_offline' ? 'locker_offline' : null };
    },

    cancel: async (id: string): Promise<BookingView> =>
      requireBooking((await json<BookingAnswer>('POST', bookingPath(id, '/cancel'), {})).booking),

    extend: async (id: string) => checkoutOf(await json<CheckoutAnswer>('POST', bookingPath(id, '/extend'), {})),

    /** Idempotent: the return page may call it again on a reload. */
    confirmPayment: async (sessionId: string): Promise<PaymentConfirmation> => {
      const answer = await json<{ paid?: unknown; booking?: unknown }>('POST', '/api/payments/confirm', { sessionId });
      return { paid: answer.paid === true, booking: readBookingView(answer.booking) ?? null };
    },
  };
}

export type BookingApi = ReturnType<typeof createBookingApi>;

export const bookingApi: BookingApi = createBookingApi();
