import type { DoorState, LockerType, LockState } from '../api/types';
import { formatClock } from './format';
import { defineMessages } from './messages';

/** Wording of locker facts, shared by the card, the timeline and the workbench. */
const text = defineMessages({
  fr: {
    doorOpen: 'Porte ouverte',
    doorClosed: 'Porte fermée',
    doorUnknown: 'État inconnu',
    locked: 'Verrouillé',
    unlocked: 'Déverrouillé',
    school: 'École',
    sport: 'Sport',
    online: 'En ligne',
    offline: 'Hors ligne',
    lockdown: 'Verrouillage de sécurité',
    lockdownEnded: 'Fin du verrouillage de sécurité',
    contentUnknown: 'Contenu inconnu',
    objectPresent: 'Objet détecté',
    empty: 'Casier vide',
  },
  en: {
    doorOpen: 'Door open',
    doorClosed: 'Door closed',
    doorUnknown: 'Unknown state',
    locked: 'Locked',
    unlocked: 'Unlocked',
    school: 'School',
    sport: 'Sport',
    online: 'Online',
    offline: 'Offline',
    lockdown: 'Security lockdown',
    lockdownEnded: 'Security lockdown over',
    contentUnknown: 'Content unknown',
    objectPresent: 'Object detected',
    empty: 'Locker empty',
  },
});

export function doorLabel(door: DoorState): string {
  const t = text();
  switch (door) {
    case 'open':
      return t.doorOpen;
    case 'closed':
      return t.doorClosed;
    case 'unknown':
      return t.doorUnknown;
  }
}

export function lockLabel(lock: LockState): string {
  const t = text();
  switch (lock) {
    case 'locked':
      return t.locked;
    case 'unlocked':
      return t.unlocked;
  }
}

export function lockerTypeLabel(type: LockerType): string {
  const t = text();
  switch (type) {
    case 'school':
      return t.school;
    case 'sport':
      return t.sport;
  }
}

export function onlineLabel(online: boolean): string {
  return online ? text().online : text().offline;
}

export function lockdownLabel(lockdown: boolean): string {
  return lockdown ? text().lockdown : text().lockdownEnded;
}

export function objectPresenceLabel(objectPresent: boolean | null): string {
  if (objectPresent === null) return text().contentUnknown;
  return objectPresent ? text().objectPresent : text().empty;
}

/** "12:03:04" on the site's clock when its zone is known, else the browser's. */
export function clockTime(instant: Date, timeZone?: string): string {
  return formatClock(instant, timeZone);
}
