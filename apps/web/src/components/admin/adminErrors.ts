import { type ApiError, asApiError } from '../../api/client';
import { messageForError } from '../../api/errorMessages';
import { defineMessages } from '../../i18n/messages';

/**
 * The admin API's error codes (docs/admin-api.md) in words, French and English. Some codes mean
 * something else here than on a member's screen (`not_paired`, `session_active`): this table is
 * read first, then the app's shared one (api/errorMessages.ts).
 */
const MESSAGES = defineMessages({
  fr: {
    admin_only: 'Réservé aux administrateurs : votre compte n’a plus ce rôle.',
    invalid_request: 'Certains champs sont invalides. Vérifiez le formulaire.',
    invalid_body: 'Certains champs sont invalides. Vérifiez le formulaire.',
    invalid_query: 'Filtres invalides. Vérifiez les dates et les valeurs choisies.',
    unknown_user: 'Cette personne n’existe plus (compte supprimé entre-temps ?). Rechargez la liste.',
    last_admin: 'C’est le dernier administrateur : nommez-en un autre avant de lui retirer ce rôle.',
    not_paired: 'Cette personne n’a aucun casier associé.',
    session_active: 'Une session sport est en cours sur ce casier : libérez-le d’abord (Casiers → Libérer de force).',
    cannot_erase_self: 'Vous ne pouvez pas effacer votre propre compte d’ici : passez par vos Réglages.',
    locker_in_use: 'Ce casier est occupé : libérez-le avant de le mettre hors service définitivement.',
    locker_out_of_service: 'Ce casier est hors service.',
    locker_exists: 'Un casier porte déjà cet identifiant. Choisissez-en un autre.',
    pairing_code_taken: 'Ce code d’association est déjà imprimé sur un autre casier.',
    invalid_code: 'Code d’association invalide : il ressemble à SL-ECOLE-02.',
    invalid_locker_id: 'Identifiant invalide : lettres majuscules, chiffres, _ et -, 64 caractères au plus.',
    site_not_found: 'Ce site n’existe plus. Rechargez la page.',
    unknown_site: 'Ce site n’existe plus. Rechargez la page.',
    site_decommissioned: 'Ce site est retiré : choisissez-en un autre.',
    locker_decommissioned: 'Ce casier est retiré du parc : plus aucune action n’est possible.',
    no_lockers: 'Aucun casier à imprimer ici.',
    site_required: 'Choisissez le site du casier.',
    site_has_lockers: 'Ce site a encore des casiers actifs : retirez-les d’abord.',
    locker_not_found: 'Ce casier n’existe plus. Rechargez la liste.',
    unknown_locker: 'Ce casier n’existe plus. Rechargez la liste.',
    locker_no_answer: 'Le casier n’a pas répondu à temps. Vérifiez qu’il est en ligne et réessayez.',
    reset_refused: 'Le casier a refusé la levée du blocage.',
    locker_offline: 'Le casier est hors ligne : la commande ne peut pas lui parvenir.',
    broker_sync_failed:
      'Le casier est créé mais le serveur MQTT n’a pas encore reçu ses identifiants : renouvelez-les (Casiers → Renouveler les identifiants).',
    bundle_too_large_for_qr: 'La configuration est trop grande pour un QR code : utilisez le fichier téléchargé.',
    invalid_agent_config: 'La configuration de l’agent serait refusée par le casier.',
    already_acknowledged: 'Cette alarme est déjà prise en charge.',
    already_cleared: 'Cette alarme est déjà close.',
    unknown_alert: 'Cette alarme n’existe plus.',
    not_found: 'Cette fonction n’est pas encore disponible sur ce serveur.',
  },
  en: {
    admin_only: 'For administrators only: your account no longer has this role.',
    invalid_request: 'Some fields are invalid. Check the form.',
    invalid_body: 'Some fields are invalid. Check the form.',
    invalid_query: 'Invalid filters. Check the dates and the values chosen.',
    unknown_user: 'This person no longer exists (account deleted meanwhile?). Reload the list.',
    last_admin: 'This is the last administrator: appoint another one before removing this role.',
    not_paired: 'This person has no paired locker.',
    session_active: 'A sport session is running on this locker: free it first (Lockers → Force-free).',
    cannot_erase_self: 'You cannot erase your own account from here: use your Settings.',
    locker_in_use: 'This locker is occupied: free it before decommissioning it.',
    locker_out_of_service: 'This locker is out of service.',
    locker_exists: 'A locker already has this id. Choose another one.',
    pairing_code_taken: 'This pairing code is already printed on another locker.',
    invalid_code: 'Invalid pairing code: it looks like SL-ECOLE-02.',
    invalid_locker_id: 'Invalid id: capital letters, digits, _ and -, 64 characters at most.',
    site_not_found: 'This site no longer exists. Reload the page.',
    unknown_site: 'This site no longer exists. Reload the page.',
    site_decommissioned: 'This site is decommissioned: choose another one.',
    locker_decommissioned: 'This locker has left the fleet: no action is possible any more.',
    no_lockers: 'No locker to print here.',
    site_required: 'Choose the locker’s site.',
    site_has_lockers: 'This site still has active lockers: remove them first.',
    locker_not_found: 'This locker no longer exists. Reload the list.',
    unknown_locker: 'This locker no longer exists. Reload the list.',
    locker_no_answer: 'The locker did not answer in time. Check that it is online and try again.',
    reset_refused: 'The locker refused to lift the lockdown.',
    locker_offline: 'The locker is offline: the command cannot reach it.',
    broker_sync_failed:
      'The locker exists but the MQTT broker has not got its credentials yet: rotate them (Lockers → Rotate credentials).',
    bundle_too_large_for_qr: 'The configuration is too large for a QR code: use the downloaded file.',
    invalid_agent_config: 'The locker would refuse this agent configuration.',
    already_acknowledged: 'This alarm is already acknowledged.',
    already_cleared: 'This alarm is already closed.',
    unknown_alert: 'This alarm no longer exists.',
    not_found: 'This feature is not available on this server yet.',
  },
});

/** The words for a failed admin call (rate limits and the lockdown's end time as everywhere else). */
export function adminMessageFor(error: ApiError): string {
  const table = MESSAGES();
  if (Object.hasOwn(table, error.code)) return table[error.code as keyof typeof table];
  return messageForError(error);
}

/**
 * Handles a failure the same way on every admin screen: a lost session goes back to sign-in,
 * anything else becomes a sentence for `show`.
 */
export function reportAdminFailure(failure: unknown, onSessionLost: () => void, show: (message: string) => void) {
  const error = asApiError(failure);
  if (error.code === 'unauthenticated') onSessionLost();
  else show(adminMessageFor(error));
}
