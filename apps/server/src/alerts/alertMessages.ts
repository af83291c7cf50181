import type { AlertKind } from '@smartlocker/domain';
import type { Locale } from '../accounts/locale';

/**
 * What each alert says: in English for the logs and the audit trail (`message`), and as the push
 * notification a person reads, in French (the seed's language, the default) or English.
 */

export interface AlertFacts {
  lockerName: string;
  data: Record<string, unknown>;
}

const number = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function minutes(value: unknown): string {
  const seconds = number(value) ?? 0;
  return String(Math.max(1, Math.round(seconds / 60)));
}

/** The English line stored with the alert. */
export function alertLogMessage(kind: AlertKind, facts: AlertFacts): string {
  switch (kind) {
    case 'intrusion':
      return 'The door was opened without a legitimate open.';
    case 'lockdown':
      return 'Repeated intrusions: the locker is in lockdown.';
    case 'lockdown_ended':
      return 'The lockdown has ended.';
    case 'door_left_open':
      return `The door has been left open (reminder ${number(facts.data.reminder) ?? 1}).`;
    case 'door_left_open_escalated':
      return 'The door has been left open despite reminders.';
    case 'open_not_confirmed':
      return 'The locker was unlocked but the door was not opened; it locked again.';
    case 'unknown_badge':
      return 'An unknown badge was presented.';
    case 'relay_fault':
      return facts.data.phase === 'release'
        ? 'The relay could not be released: the strike may stay unlocked.'
        : 'The relay could not be energised: the locker cannot open.';
    case 'locker_offline':
      return 'The locker is offline.';
    case 'locker_online':
      return 'The locker is back online.';
    case 'device_acl_violation':
      return "The locker's broker account tried to act outside its own topics.";
    case 'impersonation':
      return "A message on this locker's topic claimed to come from another locker.";
    case 'forged_command':
      return 'The locker received a command the server did not sign for it, and refused it.';
    case 'replayed_command':
      return 'The locker received a command it had already carried out, and refused it.';
    case 'broker_auth_failures':
      return "Repeated failed broker log-ins with this locker's id.";
    case 'clock_skew':
      return "The locker's clock is off: it refuses fresh commands as expired or not yet valid.";
  }
}

/** The push notification's title and body. */
export function alertNotification(kind: AlertKind, facts: AlertFacts, locale: Locale): { title: string; body: string } {
  const name = facts.lockerName;
  const fr = locale === 'fr';
  switch (kind) {
    case 'intrusion':
      return fr
        ? { title: 'Intrusion détectée', body: `${name} a été ouvert sans ouverture autorisée.` }
        : { title: 'Intrusion detected', body: `${name} was opened without an authorised open.` };
    case 'lockdown':
      return fr
        ? { title: 'Casier bloqué', body: `${name} est bloqué pour 5 min après plusieurs intrusions.` }
        : { title: 'Locker in lockdown', body: `${name} is locked down for 5 min after repeated intrusions.` };
    case 'lockdown_ended':
      return fr
        ? { title: 'Blocage levé', body: `${name} s'ouvre de nouveau normalement.` }
        : { title: 'Lockdown over', body: `${name} opens normally again.` };
    case 'door_left_open':
      return fr
        ? {
            title: 'Porte restée ouverte',
            body: `La porte de ${name} est ouverte depuis ${minutes(facts.data.openForS)} min. Pensez à la refermer.`,
          }
        : {
            title: 'Door left open',
            body: `The door of ${name} has been open for ${minutes(facts.data.openForS)} min. Please close it.`,
          };
    case 'door_left_open_escalated':
      return fr
        ? { title: 'Porte toujours ouverte', body: `La porte de ${name} est toujours ouverte malgré les rappels.` }
        : { title: 'Door still open', body: `The door of ${name} is still open despite the reminders.` };
    case 'open_not_confirmed':
      return fr
        ? {
            title: 'Porte non ouverte',
            body: `${name} a été déverrouillé mais la porte n'a pas été ouverte ; il s'est reverrouillé.`,
          }
        : { title: 'Door not opened', body: `${name} was unlocked but the door was not opened; it locked again.` };
    case 'unknown_badge':
      return fr
        ? { title: 'Badge inconnu', body: `Un badge inconnu a été présenté à ${name}.` }
        : { title: 'Unknown badge', body: `An unknown badge was presented to ${name}.` };
    case 'relay_fault':
      return fr
        ? { title: 'Panne de gâche', body: `Le relais de ${name} ne répond plus : une intervention est nécessaire.` }
        : { title: 'Strike fault', body: `The relay of ${name} does not respond: it needs a technician.` };
    case 'locker_offline':
      return fr
        ? { title: 'Casier hors ligne', body: `${name} ne répond plus depuis quelques minutes.` }
        : { title: 'Locker offline', body: `${name} has not answered for a few minutes.` };
    case 'locker_online':
      return fr
        ? { title: 'Casier de nouveau en ligne', body: `${name} répond de nouveau.` }
        : { title: 'Locker back online', body: `${name} answers again.` };
    case 'device_acl_violation':
      return fr
        ? { title: 'Compte de casier détourné', body: `Le compte de ${name} a tenté d'agir hors de ses sujets MQTT.` }
        : { title: 'Locker account misused', body: `The account of ${name} tried to act outside its MQTT topics.` };
    case 'impersonation':
      return fr
        ? { title: 'Usurpation de casier', body: `Un message sur le sujet de ${name} se réclamait d'un autre casier.` }
        : { title: 'Locker impersonation', body: `A message on the topic of ${name} claimed another locker.` };
    case 'forged_command':
      return fr
        ? { title: 'Commande falsifiée', body: `${name} a reçu et refusé une commande non signée pour lui.` }
        : { title: 'Forged command', body: `${name} received and refused a command not signed for it.` };
    case 'replayed_command':
      return fr
        ? { title: 'Commande rejouée', body: `${name} a reçu de nouveau une commande déjà exécutée.` }
        : { title: 'Replayed command', body: `${name} received a command it had already carried out.` };
    case 'broker_auth_failures':
      return fr
        ? { title: 'Connexions refusées', body: `Échecs répétés de connexion au broker avec l'identifiant de ${name}.` }
        : { title: 'Broker log-ins refused', body: `Repeated failed broker log-ins with the id of ${name}.` };
    case 'clock_skew':
      return fr
        ? { title: 'Horloge décalée', body: `L'horloge de ${name} est décalée : il refuse les commandes.` }
        : { title: 'Clock off', body: `The clock of ${name} is off: it refuses commands.` };
  }
}
