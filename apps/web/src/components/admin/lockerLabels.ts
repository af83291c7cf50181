import type { LockerStateFilter, Occupancy } from '../../api/admin';
import { defineMessages } from '../../i18n/messages';
import type { FleetStatus } from './fleetLockers';

/** Words for the fleet views' states (the locker facts' own words are in i18n/lockerLabels.ts). */
const text = defineMessages({
  fr: {
    decommissioned: 'Retiré',
    out_of_service: 'Hors service',
    lockdown: 'En blocage',
    offline: 'Hors ligne',
    online: 'En ligne',
    in_use: 'Occupé',
    free: 'Libre',
    schoolBooking: 'Réservation',
    sportSession: 'Session sport',
  },
  en: {
    decommissioned: 'Decommissioned',
    out_of_service: 'Out of service',
    lockdown: 'In lockdown',
    offline: 'Offline',
    online: 'Online',
    in_use: 'In use',
    free: 'Free',
    schoolBooking: 'Booking',
    sportSession: 'Sport session',
  },
});

export function fleetStatusLabel(status: FleetStatus | LockerStateFilter): string {
  return text()[status];
}

export function occupancyKindLabel(kind: Occupancy['kind']): string {
  return kind === 'school_booking' ? text().schoolBooking : text().sportSession;
}
