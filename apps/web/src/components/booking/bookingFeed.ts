import { useState } from 'preact/hooks';
import type { BookingReminder, BookingView } from '../../api/bookings';

/**
 * Hands the home screen's SSE `booking` and `reminder` events to the school-locker panel. A
 * subscription, not a state: two events in one tick must both arrive.
 */

export type BookingNews = { type: 'booking'; booking: BookingView } | { type: 'reminder'; reminder: BookingReminder };

export interface BookingFeed {
  booking(booking: BookingView): void;
  reminder(reminder: BookingReminder): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (news: BookingNews) => void): () => void;
}

export function createBookingFeed(): BookingFeed {
  const listeners = new Set<(news: BookingNews) => void>();
  const publish = (news: BookingNews) => {
    for (const listener of listeners) listener(news);
  };
  return {
    booking: (booking) => publish({ type: 'booking', booking }),
    reminder: (reminder) => publish({ type: 'reminder', reminder }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** One feed for the life of the component. */
export function useBookingFeed(): BookingFeed {
  const [feed] = useState(createBookingFeed);
  return feed;
}
