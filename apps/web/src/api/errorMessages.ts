/**
 * French messages for every error code the web app can meet: the app API's codes, better-auth's
 * codes, the locker's refusal reasons (SSE `command` events) and the client's own codes.
 * The server's `message` is English and meant for logs; users read these.
 */
const MESSAGES: Readonly<Record<string, string>> = {
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
};

/** Codes that mean something else on the booking routes than elsewhere (SPEC §5). */
const BOOKING_MESSAGES: Readonly<Record<string, string>> = {
  locker_offline:
    "Le casier est hors ligne : un créneau qui commence dans l'heure ne peut pas être réservé. Choisissez-en un plus tard.",
  not_paired: "Associez d'abord un casier d'école à votre compte pour pouvoir le réserver.",
  not_found: 'Cette réservation est introuvable.',
};

/** The French message for a failed booking call (calendar, booking, cancel, extension). */
export function bookingMessageFor(code: string): string {
  return BOOKING_MESSAGES[code] ?? messageFor(code);
}

/** "30 s", "2 min", "1 h 05" — a wait told to a person. */
export function waitLabel(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * The French message for a failed call; a rate-limit refusal says how long to wait when the
 * server told us (`Retry-After`).
 */
export function messageForError(error: { code: string; status: number; retryAfterSeconds: number | null }): string {
  if (error.status === 429 || error.code === 'rate_limited' || error.code === 'TOO_MANY_REQUESTS') {
    return error.retryAfterSeconds !== null
      ? `Trop de tentatives. Réessayez dans ${waitLabel(error.retryAfterSeconds)}.`
      : messageFor('rate_limited');
  }
  return messageFor(error.code);
}

/** The French message for `code`; a generic one (with the code, for support) when unknown. */
export function messageFor(code: string): string {
  return MESSAGES[code] ?? `Une erreur est survenue (${code}). Réessayez.`;
}

/**
 * The French message for a refusal reported by the locker. `rate_limited` means the device's
 * anti-spam (SPEC §2), which reads differently from the server's own rate limit.
 */
export function refusalMessageFor(reason: string | undefined): string {
  if (!reason) return "Le casier a refusé l'ouverture.";
  if (reason === 'rate_limited') return messageFor('rate_limited_device');
  return messageFor(reason);
}
