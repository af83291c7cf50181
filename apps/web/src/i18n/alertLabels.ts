import type { AlarmState, AlertKind } from '../api/alerts';
import { formatClock } from './format';
import { defineMessages } from './messages';

/**
 * How each kind of alert reads (issue 10): a short name (Settings, the alarm list), the sentence a
 * member reads on their locker's banner, and the states of an alarm. docs/alerts.md lists them.
 */
const text = defineMessages({
  fr: {
    name_intrusion: 'Intrusion',
    name_lockdown: 'Casier bloqué (lockdown)',
    name_lockdown_ended: 'Fin du blocage',
    name_door_left_open: 'Porte restée ouverte',
    name_door_left_open_escalated: 'Porte toujours ouverte après les rappels',
    name_open_not_confirmed: 'Ouverture non suivie',
    name_unknown_badge: 'Badge inconnu',
    name_relay_fault: 'Panne de gâche',
    name_locker_offline: 'Casier hors ligne',
    name_locker_online: 'Casier de nouveau en ligne',
    banner_intrusion: 'Intrusion détectée : la porte a été ouverte sans ouverture autorisée.',
    banner_lockdown: 'Casier bloqué après plusieurs intrusions.',
    bannerLockdownUntil: (time: string) => `Casier bloqué après plusieurs intrusions, jusqu’à ${time}.`,
    banner_lockdown_ended: 'Le blocage de sécurité est levé : le casier s’ouvre de nouveau.',
    banner_door_left_open: 'La porte est restée ouverte. Pensez à la refermer.',
    banner_door_left_open_escalated: 'La porte est toujours ouverte : un administrateur est prévenu.',
    banner_open_not_confirmed:
      'Le casier a été déverrouillé mais la porte n’a pas été ouverte ; il s’est reverrouillé.',
    banner_unknown_badge: 'Un badge inconnu a été présenté au casier.',
    banner_relay_fault: 'La gâche du casier ne répond plus : un technicien est prévenu.',
    banner_locker_offline: 'Le casier est hors ligne.',
    banner_locker_online: 'Le casier est de nouveau en ligne.',
    state_active: 'Active',
    state_acknowledged: 'Prise en charge',
    state_cleared: 'Terminée',
  },
  en: {
    name_intrusion: 'Intrusion',
    name_lockdown: 'Locker in lockdown',
    name_lockdown_ended: 'Lockdown over',
    name_door_left_open: 'Door left open',
    name_door_left_open_escalated: 'Door still open after the reminders',
    name_open_not_confirmed: 'Open not followed',
    name_unknown_badge: 'Unknown badge',
    name_relay_fault: 'Strike fault',
    name_locker_offline: 'Locker offline',
    name_locker_online: 'Locker back online',
    banner_intrusion: 'Intrusion detected: the door was opened without an authorised opening.',
    banner_lockdown: 'Locker in lockdown after several intrusions.',
    bannerLockdownUntil: (time: string) => `Locker in lockdown after several intrusions, until ${time}.`,
    banner_lockdown_ended: 'The security lockdown is over: the locker opens again.',
    banner_door_left_open: 'The door was left open. Remember to close it.',
    banner_door_left_open_escalated: 'The door is still open: an administrator has been told.',
    banner_open_not_confirmed: 'The locker was unlocked but the door was not opened; it locked again.',
    banner_unknown_badge: 'An unknown badge was presented to the locker.',
    banner_relay_fault: 'The locker’s strike does not respond: a technician has been told.',
    banner_locker_offline: 'The locker is offline.',
    banner_locker_online: 'The locker is back online.',
    state_active: 'Active',
    state_acknowledged: 'Acknowledged',
    state_cleared: 'Over',
  },
});

export function alertKindName(kind: AlertKind): string {
  return text()[`name_${kind}`];
}

/** The sentence of a member's banner; a lockdown says until when, if known. */
export function alertSentence(kind: AlertKind, data: Record<string, unknown> = {}): string {
  if (kind === 'lockdown' && typeof data.until === 'string') return text().bannerLockdownUntil(formatClock(data.until));
  return text()[`banner_${kind}`];
}

export function alarmStateLabel(state: AlarmState): string {
  return text()[`state_${state}`];
}
