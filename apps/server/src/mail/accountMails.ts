import type { MailMessage } from './Mailer';

/**
 * The messages of the account flows, in French like the app (SPEC §10). Plain text: every mail
 * client shows it, and the link is the whole point.
 */
const SIGNATURE = "\n\n— SmartLocker\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message.";

export function passwordResetMail(to: string, name: string, url: string, validMinutes: number): MailMessage {
  return {
    to,
    subject: 'Réinitialisation de votre mot de passe SmartLocker',
    text:
      `Bonjour ${name},\n\n` +
      'Pour choisir un nouveau mot de passe, ouvrez ce lien :\n\n' +
      `${url}\n\n` +
      `Il est valable ${validMinutes} minutes et ne sert qu'une fois. ` +
      'Vos sessions ouvertes seront fermées une fois le mot de passe changé.' +
      SIGNATURE,
  };
}

export function emailChangeMail(to: string, name: string, url: string): MailMessage {
  return {
    to,
    subject: 'Confirmez votre nouvelle adresse e-mail SmartLocker',
    text:
      `Bonjour ${name},\n\n` +
      'Vous avez demandé à utiliser cette adresse pour votre compte SmartLocker. ' +
      'Pour confirmer, ouvrez ce lien :\n\n' +
      `${url}\n\n` +
      "Tant que vous ne l'avez pas ouvert, votre ancienne adresse reste celle du compte." +
      SIGNATURE,
  };
}

export function emailChangedNotice(to: string, name: string, newEmail: string): MailMessage {
  return {
    to,
    subject: 'Votre adresse e-mail SmartLocker a changé',
    text:
      `Bonjour ${name},\n\n` +
      `L'adresse de votre compte SmartLocker est désormais ${newEmail}. ` +
      'Si ce changement ne vient pas de vous, réinitialisez votre mot de passe depuis la page de connexion ' +
      "et contactez l'administrateur." +
      '\n\n— SmartLocker',
  };
}

/** Sent instead of an error when someone signs up with an address that already has an account. */
export function existingAccountMail(to: string, name: string, signInUrl: string, resetUrl: string): MailMessage {
  return {
    to,
    subject: 'Vous avez déjà un compte SmartLocker',
    text:
      `Bonjour ${name},\n\n` +
      "Quelqu'un (peut-être vous) a voulu créer un compte SmartLocker avec cette adresse, " +
      'mais elle a déjà un compte. Connectez-vous ici :\n\n' +
      `${signInUrl}\n\n` +
      `Mot de passe oublié ? Choisissez-en un nouveau ici :\n\n${resetUrl}` +
      SIGNATURE,
  };
}
