import { formatClock } from '../i18n/format';
import { defineMessages } from '../i18n/messages';

/**
 * Messages for every error code the web app can meet, in French and English: the app API's
 * codes, better-auth's codes, the locker's refusal reasons (SSE `command` events) and the
 * client's own codes. The server's `message` is English and meant for logs; users read these.
 */
const MESSAGES = defineMessages({
  fr: {
    // Client-side
    network_error: 'Serveur injoignable. Vérifiez votre connexion puis réessayez.',
    bad_response: 'Réponse inattendue du serveur. Réessayez dans un instant.',
    server_error: 'Le serveur a rencontré un problème. Réessayez dans un instant.',
    http_error: 'La requête a échoué. Réessayez.',
    rate_limited: 'Trop de tentatives. Patientez quelques instants avant de réessayer.',
    missing_fields: 'Renseignez tous les champs.',
    missing_code: 'Saisissez le code imprimé sur le casier.',
    command_timeout: "Le casier n'a pas confirmé l'ouverture. Vérifiez qu'il est en ligne et réessayez.",

    // Session
    unauthenticated: 'Votre session a expiré. Reconnectez-vous.',
    SESSION_EXPIRED: 'Votre session a expiré. Reconnectez-vous.',

    // better-auth: sign-up / sign-in
    USER_ALREADY_EXISTS: 'Un compte existe déjà avec cet e-mail.',
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: 'Un compte existe déjà avec cet e-mail. Utilisez-en un autre.',
    PASSWORD_TOO_SHORT: 'Mot de passe trop court : 8 caractères minimum.',
    PASSWORD_TOO_LONG: 'Mot de passe trop long : 128 caractères maximum.',
    INVALID_PASSWORD: 'Mot de passe actuel incorrect.',
    INVALID_EMAIL: 'Adresse e-mail invalide.',
    INVALID_EMAIL_OR_PASSWORD: 'E-mail ou mot de passe incorrect.',
    EMAIL_NOT_VERIFIED: "Votre adresse e-mail n'est pas encore vérifiée.",
    FAILED_TO_CREATE_USER: 'Impossible de créer le compte. Réessayez.',
    FAILED_TO_CREATE_SESSION: 'Impossible de vous connecter pour le moment. Réessayez.',
    USER_NOT_FOUND: 'Aucun compte ne correspond à cet e-mail.',
    INVALID_ORIGIN: 'Requête refusée (origine non autorisée).',
    MISSING_OR_NULL_ORIGIN: 'Requête refusée (origine manquante).',
    VALIDATION_ERROR: 'Certains champs sont invalides.',
    MISSING_FIELD: 'Renseignez tous les champs.',

    // Accounts (issue 4): password policy, reset links, Google, settings
    password_too_common: 'Ce mot de passe est trop courant : choisissez-en un moins prévisible.',
    PASSWORD_TOO_COMMON: 'Ce mot de passe est trop courant : choisissez-en un moins prévisible.',
    PASSWORD_COMPROMISED: 'Ce mot de passe est trop courant : choisissez-en un moins prévisible.',
    PASSWORD_MATCHES_ACCOUNT: 'Le mot de passe ne doit être ni votre e-mail ni le nom du service.',
    password_mismatch: 'Les deux mots de passe ne correspondent pas.',
    INVALID_TOKEN: 'Ce lien de réinitialisation est invalide ou a déjà servi. Demandez-en un nouveau.',
    TOKEN_EXPIRED: 'Ce lien de réinitialisation a expiré. Demandez-en un nouveau.',
    missing_token: 'Lien incomplet : ouvrez le lien reçu par e-mail, ou demandez-en un nouveau.',
    CREDENTIAL_ACCOUNT_NOT_FOUND: "Ce compte se connecte avec Google : il n'a pas de mot de passe SmartLocker.",
    EMAIL_CAN_NOT_BE_UPDATED: "L'e-mail de ce compte ne peut pas être modifié.",
    CHANGE_EMAIL_DISABLED: "Le changement d'e-mail n'est pas disponible.",
    EMAIL_IS_THE_SAME: "C'est déjà l'e-mail de votre compte.",
    email_locked: "L'e-mail d'un compte Google est géré par Google.",
    SESSION_NOT_FRESH: 'Par sécurité, reconnectez-vous avant cette action.',
    invalid_name: 'Pseudo invalide : 2 à 40 caractères, sans caractères invisibles.',
    INVALID_NAME: 'Pseudo invalide : 2 à 40 caractères, sans caractères invisibles.',
    photo_too_large: 'Photo trop lourde : 2 Mo maximum.',
    photo_unsupported: 'Format non reconnu : choisissez une image PNG, JPEG ou WebP.',
    unsupported_photo_type: 'Format non reconnu : choisissez une image PNG, JPEG ou WebP.',
    invalid_photo: 'Cette image est illisible. Essayez-en une autre.',
    empty_photo: 'La photo est vide. Choisissez une autre image.',
    photo_unreadable: 'Cette image est illisible. Essayez-en une autre.',
    photo_export_failed: "Le recadrage n'a pas pu être enregistré. Réessayez.",
    delete_not_confirmed: 'Saisissez SUPPRIMER pour confirmer.',
    password_required: 'Confirmez avec votre mot de passe actuel.',
    invalid_password: 'Mot de passe actuel incorrect.',
    session_not_fresh: 'Par sécurité, reconnectez-vous puis recommencez.',
    admin_only: 'Réservé aux administrateurs.',
    csrf_rejected: 'Requête refusée (origine non autorisée). Rechargez la page.',
    invalid_body: 'Certains champs sont invalides.',
    // OpenID Connect: better-auth sends these back to /connexion?error=…
    oauth_failed: 'La connexion avec Google a échoué. Réessayez.',
    state_mismatch: 'La connexion avec Google a expiré. Recommencez.',
    please_restart_the_process: 'La connexion avec Google a expiré. Recommencez.',
    unable_to_get_user_info: "Google n'a pas transmis votre profil. Réessayez.",
    email_not_found: "Google n'a pas transmis votre e-mail. Réessayez.",
    account_not_linked: 'Un compte existe déjà avec cet e-mail : connectez-vous avec votre mot de passe.',
    signup_disabled: 'Les inscriptions sont fermées.',
    access_denied: 'Connexion avec Google annulée.',

    // Pairing
    invalid_code: 'Code invalide. Il ressemble à SL-SPORT-01.',
    unknown_code: 'Aucun casier ne correspond à ce code.',
    already_paired: "Vous avez déjà un casier associé. Dissociez-le d'abord.",
    locker_taken: 'Ce casier est déjà utilisé par un autre membre.',
    locker_offline: 'Le casier est hors ligne. Réessayez dans un instant.',

    // Opening
    premium_required: 'Un abonnement Premium est nécessaire pour ouvrir un casier sport.',
    not_paired: "Ce casier n'est pas associé à votre compte.",
    no_active_booking: "Aucune réservation active : réservez un créneau pour ouvrir ce casier d'école.",
    lockdown: 'Casier en verrouillage de sécurité : ouverture impossible pour le moment.',
    not_found: "Cette fonction n'est pas disponible.",

    // Sport sessions and history (SPEC §6–7, issue 6)
    no_active_session: 'Aucune session en cours sur ce casier : démarrez-en une.',
    session_active: "Votre session sport est en cours : terminez-la d'abord (cela libère aussi le casier).",
    door_open: 'Fermez la porte avant de terminer la session.',
    door_unknown:
      'Le casier ne peut pas confirmer que sa porte est fermée (hors ligne ou état inconnu). Réessayez quand il est en ligne.',
    object_left_inside: 'Le capteur détecte encore un objet dans le casier.',
    grace_open_used:
      'Sans Premium, vous pouviez ouvrir une dernière fois pour reprendre vos affaires : c’est fait. Terminez la session.',
    locker_busy: 'Un autre membre a une session en cours sur ce casier.',
    not_sport_locker: "Les sessions concernent les casiers sport ; un casier d'école se réserve.",
    unknown_locker: 'Casier inconnu.',
    invalid_query: 'Filtres invalides. Vérifiez les dates et le type.',
    invalid_date_range: 'La date de fin précède la date de début.',

    // Refusals reported by the locker itself (SSE `command`, reason)
    rate_limited_device: 'Trop de demandes rapprochées : patientez quelques secondes.',
    busy: 'Le casier est occupé par une autre ouverture. Réessayez.',
    hardware_error: 'Le casier a rencontré un problème matériel.',
    expired: 'La commande est arrivée trop tard au casier. Réessayez.',
    not_yet_valid: "L'horloge du casier est désynchronisée. Réessayez dans un instant.",
    replayed: 'Commande déjà traitée par le casier.',
    bad_signature: 'Le casier a rejeté la commande (signature invalide).',
    wrong_locker: 'Commande destinée à un autre casier.',
    issued_before_boot: 'Le casier vient de redémarrer. Réessayez.',

    // School-locker bookings (SPEC §5, issue 5)
    invalid_json: 'Requête mal formée. Rechargez la page et réessayez.',
    slot_taken: "Ce créneau vient d'être réservé par quelqu'un d'autre. Choisissez-en un autre.",
    invalid_date: 'Date invalide : choisissez un jour du calendrier.',
    start_out_of_hours: 'Les réservations commencent entre 08:00 et 21:00.',
    duration_out_of_range: 'Choisissez une durée de 1 à 6 heures.',
    ends_after_closing: 'Le casier ferme à 22:00 : le créneau doit se terminer au plus tard à cette heure.',
    date_in_past: 'Ce jour est passé : choisissez une date à venir.',
    too_far_ahead: "On ne peut réserver que jusqu'à 14 jours à l'avance.",
    start_in_past: 'Cette heure a déjà commencé : choisissez une heure à venir.',
    not_school_locker: "Votre casier n'est pas un casier d'école : il ne se réserve pas.",
    booking_pending: "Vous avez déjà une réservation en attente de paiement : payez-la ou annulez-la d'abord.",
    // Extension refusals (POST /api/bookings/:id/extend)
    too_early: 'La prolongation est possible pendant les 30 dernières minutes de la réservation.',
    too_late: 'Trop tard pour prolonger : la réservation est terminée depuis plus de 30 minutes.',
    next_hour_taken: "L'heure suivante est déjà réservée : prolongation impossible.",
    not_extendable: 'Cette réservation ne peut pas être prolongée.',

    // Push reminders on this device (Settings → Notifications)
    push_unsupported:
      "Ce navigateur ne peut pas recevoir de rappels. Sur iPhone, ajoutez d'abord SmartLocker à l'écran d'accueil.",
    push_disabled: 'Les rappels par notification ne sont pas activés sur ce serveur.',
    push_denied:
      'Notifications non autorisées : acceptez la demande du navigateur, ou autorisez-les pour ce site dans ses réglages.',
    push_subscribe_failed: "Le navigateur n'a pas pu s'abonner aux rappels. Réessayez dans un instant.",
  },
  en: {
    // Client-side
    network_error: 'The server cannot be reached. Check your connection and try again.',
    bad_response: 'Unexpected answer from the server. Try again in a moment.',
    server_error: 'The server ran into a problem. Try again in a moment.',
    http_error: 'The request failed. Try again.',
    rate_limited: 'Too many attempts. Wait a little before trying again.',
    missing_fields: 'Fill in every field.',
    missing_code: 'Enter the code printed on the locker.',
    command_timeout: 'The locker did not confirm the opening. Check that it is online and try again.',

    // Session
    unauthenticated: 'Your session has expired. Sign in again.',
    SESSION_EXPIRED: 'Your session has expired. Sign in again.',

    // better-auth: sign-up / sign-in
    USER_ALREADY_EXISTS: 'An account already exists with this e-mail.',
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: 'An account already exists with this e-mail. Use another one.',
    PASSWORD_TOO_SHORT: 'Password too short: 8 characters at least.',
    PASSWORD_TOO_LONG: 'Password too long: 128 characters at most.',
    INVALID_PASSWORD: 'Current password is wrong.',
    INVALID_EMAIL: 'Invalid e-mail address.',
    INVALID_EMAIL_OR_PASSWORD: 'Wrong e-mail or password.',
    EMAIL_NOT_VERIFIED: 'Your e-mail address is not verified yet.',
    FAILED_TO_CREATE_USER: 'The account could not be created. Try again.',
    FAILED_TO_CREATE_SESSION: 'You cannot be signed in right now. Try again.',
    USER_NOT_FOUND: 'No account matches this e-mail.',
    INVALID_ORIGIN: 'Request refused (origin not allowed).',
    MISSING_OR_NULL_ORIGIN: 'Request refused (missing origin).',
    VALIDATION_ERROR: 'Some fields are invalid.',
    MISSING_FIELD: 'Fill in every field.',

    // Accounts (issue 4): password policy, reset links, Google, settings
    password_too_common: 'This password is too common: choose a less predictable one.',
    PASSWORD_TOO_COMMON: 'This password is too common: choose a less predictable one.',
    PASSWORD_COMPROMISED: 'This password is too common: choose a less predictable one.',
    PASSWORD_MATCHES_ACCOUNT: 'The password must be neither your e-mail nor the name of the service.',
    password_mismatch: 'The two passwords do not match.',
    INVALID_TOKEN: 'This reset link is invalid or has already been used. Ask for a new one.',
    TOKEN_EXPIRED: 'This reset link has expired. Ask for a new one.',
    missing_token: 'Incomplete link: open the link you received by e-mail, or ask for a new one.',
    CREDENTIAL_ACCOUNT_NOT_FOUND: 'This account signs in with Google: it has no SmartLocker password.',
    EMAIL_CAN_NOT_BE_UPDATED: 'The e-mail of this account cannot be changed.',
    CHANGE_EMAIL_DISABLED: 'Changing the e-mail is not available.',
    EMAIL_IS_THE_SAME: 'This is already the e-mail of your account.',
    email_locked: 'The e-mail of a Google account is managed by Google.',
    SESSION_NOT_FRESH: 'For your safety, sign in again before doing this.',
    invalid_name: 'Invalid nickname: 2 to 40 characters, no invisible characters.',
    INVALID_NAME: 'Invalid nickname: 2 to 40 characters, no invisible characters.',
    photo_too_large: 'Photo too large: 2 MB at most.',
    photo_unsupported: 'Unknown format: choose a PNG, JPEG or WebP image.',
    unsupported_photo_type: 'Unknown format: choose a PNG, JPEG or WebP image.',
    invalid_photo: 'This image cannot be read. Try another one.',
    empty_photo: 'The photo is empty. Choose another image.',
    photo_unreadable: 'This image cannot be read. Try another one.',
    photo_export_failed: 'The cropped photo could not be saved. Try again.',
    delete_not_confirmed: 'Type DELETE to confirm.',
    password_required: 'Confirm with your current password.',
    invalid_password: 'Current password is wrong.',
    session_not_fresh: 'For your safety, sign in again, then start over.',
    admin_only: 'For administrators only.',
    csrf_rejected: 'Request refused (origin not allowed). Reload the page.',
    invalid_body: 'Some fields are invalid.',
    // OpenID Connect: better-auth sends these back to /connexion?error=…
    oauth_failed: 'Signing in with Google failed. Try again.',
    state_mismatch: 'Signing in with Google timed out. Start again.',
    please_restart_the_process: 'Signing in with Google timed out. Start again.',
    unable_to_get_user_info: 'Google did not send your profile. Try again.',
    email_not_found: 'Google did not send your e-mail. Try again.',
    account_not_linked: 'An account already exists with this e-mail: sign in with your password.',
    signup_disabled: 'Sign-ups are closed.',
    access_denied: 'Signing in with Google was cancelled.',

    // Pairing
    invalid_code: 'Invalid code. It looks like SL-SPORT-01.',
    unknown_code: 'No locker matches this code.',
    already_paired: 'You already have a paired locker. Unpair it first.',
    locker_taken: 'This locker is already in use by another member.',
    locker_offline: 'The locker is offline. Try again in a moment.',

    // Opening
    premium_required: 'A Premium membership is needed to open a sport locker.',
    not_paired: 'This locker is not paired to your account.',
    no_active_booking: 'No booking going on: book a slot to open this school locker.',
    lockdown: 'Locker in security lockdown: it cannot be opened for now.',
    not_found: 'This feature is not available.',

    // Sport sessions and history (SPEC §6–7, issue 6)
    no_active_session: 'No session running on this locker: start one.',
    session_active: 'Your sport session is running: end it first (that also frees the locker).',
    door_open: 'Close the door before ending the session.',
    door_unknown:
      'The locker cannot confirm that its door is closed (offline or unknown state). Try again when it is online.',
    object_left_inside: 'The sensor still sees an object in the locker.',
    grace_open_used: 'Without Premium you could open one last time to take your things: that is done. End the session.',
    locker_busy: 'Another member has a session running on this locker.',
    not_sport_locker: 'Sessions are for sport lockers; a school locker is booked.',
    unknown_locker: 'Unknown locker.',
    invalid_query: 'Invalid filters. Check the dates and the type.',
    invalid_date_range: 'The end date is before the start date.',

    // Refusals reported by the locker itself (SSE `command`, reason)
    rate_limited_device: 'Too many requests in a row: wait a few seconds.',
    busy: 'The locker is busy with another opening. Try again.',
    hardware_error: 'The locker ran into a hardware problem.',
    expired: 'The command reached the locker too late. Try again.',
    not_yet_valid: 'The locker’s clock is out of sync. Try again in a moment.',
    replayed: 'Command already handled by the locker.',
    bad_signature: 'The locker rejected the command (invalid signature).',
    wrong_locker: 'Command meant for another locker.',
    issued_before_boot: 'The locker has just restarted. Try again.',

    // School-locker bookings (SPEC §5, issue 5)
    invalid_json: 'Malformed request. Reload the page and try again.',
    slot_taken: 'Someone else has just booked this slot. Choose another one.',
    invalid_date: 'Invalid date: choose a day in the calendar.',
    start_out_of_hours: 'Bookings start between 08:00 and 21:00.',
    duration_out_of_range: 'Choose a duration of 1 to 6 hours.',
    ends_after_closing: 'The locker closes at 22:00: the slot must end by then.',
    date_in_past: 'This day is over: choose a date to come.',
    too_far_ahead: 'You can book up to 14 days ahead only.',
    start_in_past: 'This hour has already begun: choose a later one.',
    not_school_locker: 'Your locker is not a school locker: it is not booked.',
    booking_pending: 'You already have a booking waiting for payment: pay or cancel it first.',
    // Extension refusals (POST /api/bookings/:id/extend)
    too_early: 'A booking can be extended during its last 30 minutes.',
    too_late: 'Too late to extend: the booking ended more than 30 minutes ago.',
    next_hour_taken: 'The next hour is already booked: it cannot be extended.',
    not_extendable: 'This booking cannot be extended.',

    // Push reminders on this device (Settings → Notifications)
    push_unsupported: 'This browser cannot receive reminders. On an iPhone, first add SmartLocker to the home screen.',
    push_disabled: 'Notification reminders are not enabled on this server.',
    push_denied:
      'Notifications not allowed: accept the browser’s request, or allow them for this site in its settings.',
    push_subscribe_failed: 'The browser could not subscribe to reminders. Try again in a moment.',
  },
});

/** Codes that mean something else on the booking routes than elsewhere (SPEC §5). */
const BOOKING_MESSAGES = defineMessages({
  fr: {
    locker_offline:
      "Le casier est hors ligne : un créneau qui commence dans l'heure ne peut pas être réservé. Choisissez-en un plus tard.",
    not_paired: "Associez d'abord un casier d'école à votre compte pour pouvoir le réserver.",
    not_found: 'Cette réservation est introuvable.',
  },
  en: {
    locker_offline: 'The locker is offline: a slot starting within the hour cannot be booked. Choose a later one.',
    not_paired: 'First pair a school locker to your account to book it.',
    not_found: 'This booking cannot be found.',
  },
});

const OTHER = defineMessages({
  fr: {
    unknownCode: (code: string) => `Une erreur est survenue (${code}). Réessayez.`,
    retryIn: (wait: string) => `Trop de tentatives. Réessayez dans ${wait}.`,
    refused: "Le casier a refusé l'ouverture.",
    lockdownUntil: (time: string) => `Casier bloqué après plusieurs intrusions : ouverture possible à ${time}.`,
  },
  en: {
    unknownCode: (code: string) => `Something went wrong (${code}). Try again.`,
    retryIn: (wait: string) => `Too many attempts. Try again in ${wait}.`,
    refused: 'The locker refused to open.',
    lockdownUntil: (time: string) => `Locker locked down after repeated intrusions: it opens again at ${time}.`,
  },
});

function lookup(table: Readonly<Record<string, string>>, code: string): string | undefined {
  return Object.hasOwn(table, code) ? table[code] : undefined;
}

/** The message for a failed booking call (calendar, booking, cancel, extension). */
export function bookingMessageFor(code: string): string {
  return lookup(BOOKING_MESSAGES(), code) ?? messageFor(code);
}

/** "30 s", "2 min", "1 h 05" — a wait told to a person (the same in both languages). */
export function waitLabel(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * The message for a failed call; a rate-limit refusal says how long to wait when the server
 * told us (`Retry-After`).
 */
export function messageForError(error: {
  code: string;
  status: number;
  retryAfterSeconds: number | null;
  details?: Readonly<Record<string, unknown>>;
}): string {
  if (error.status === 429 || error.code === 'rate_limited' || error.code === 'TOO_MANY_REQUESTS') {
    return error.retryAfterSeconds !== null
      ? OTHER().retryIn(waitLabel(error.retryAfterSeconds))
      : messageFor('rate_limited');
  }
  // Issue 10: a lockdown refusal says when the locker opens again.
  const until = error.details?.until;
  if (error.code === 'lockdown' && typeof until === 'string') return OTHER().lockdownUntil(formatClock(until));
  return messageFor(error.code);
}

/** The message for `code`; a generic one (with the code, for support) when unknown. */
export function messageFor(code: string): string {
  return lookup(MESSAGES(), code) ?? OTHER().unknownCode(code);
}

/** Whether `code` has a message of its own (in both languages: the catalogs share their keys). */
export function hasMessage(code: string): boolean {
  return lookup(MESSAGES(), code) !== undefined;
}

/**
 * The message for a refusal reported by the locker. `rate_limited` means the device's
 * anti-spam (SPEC §2), which reads differently from the server's own rate limit.
 */
export function refusalMessageFor(reason: string | undefined): string {
  if (!reason) return OTHER().refused;
  if (reason === 'rate_limited') return messageFor('rate_limited_device');
  return messageFor(reason);
}
