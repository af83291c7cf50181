import type { DoorState, LockerType, LockState } from '../api/types';

/** French wording of locker facts, shared by the card and the timeline. */

export function doorLabel(door: DoorState): string {
  switch (door) {
    case 'open':
      return 'Porte ouverte';
    case 'closed':
      return 'Porte fermée';
    case 'unknown':
      return 'État inconnu';
  }
}

export function lockLabel(lock: LockState): string {
  switch (lock) {
    case 'locked':
      return 'Verrouillé';
    case 'unlocked':
      return 'Déverrouillé';
  }
}

export function lockerTypeLabel(type: LockerType): string {
  switch (type) {
    case 'school':
      return 'École';
    case 'sport':
      return 'Sport';
  }
}

export function onlineLabel(online: boolean): string {
  return online ? 'En ligne' : 'Hors ligne';
}

export function lockdownLabel(lockdown: boolean): string {
  return lockdown ? 'Verrouillage de sécurité' : 'Fin du verrouillage de sécurité';
}

export function objectPresenceLabel(objectPresent: boolean | null): string {
  if (objectPresent === null) return 'Contenu inconnu';
  return objectPresent ? 'Objet détecté' : 'Casier vide';
}

const TIME_FORMAT = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** "12:03:04" in the browser's time zone. */
export function clockTime(instant: Date): string {
  return TIME_FORMAT.format(instant);
}
