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
  PASSWORD_TOO_LONG: 'Mot de passe trop long.',
  INVALID_PASSWORD: 'Mot de passe invalide.',
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
};

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
