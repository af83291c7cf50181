import { type Locale, localeOf } from '../accounts/locale';
import type { MailMessage } from './Mailer';

/**
 * The messages of the account flows, in the person's language (`users.locale`, issue 12). Plain
 * text: every mail client shows it, and the link is the whole point.
 */
const SIGNATURE: Record<Locale, string> = {
  fr: "\n\n— SmartLocker\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message.",
  en: '\n\n— SmartLocker\nIf you did not ask for this, ignore this message.',
};

export function passwordResetMail(
  to: string,
  name: string,
  url: string,
  validMinutes: number,
  locale: unknown,
): MailMessage {
  if (localeOf(locale) === 'en') {
    return {
      to,
      subject: 'Reset your SmartLocker password',
      text:
        `Hello ${name},\n\n` +
        'To choose a new password, open this link:\n\n' +
        `${url}\n\n` +
        `It is valid for ${validMinutes} minutes and works once. ` +
        'Your open sessions will be closed once the password is changed.' +
        SIGNATURE.en,
    };
  }
  return {
    to,
    subject: 'Réinitialisation de votre mot de passe SmartLocker',
    text:
      `Bonjour ${name},\n\n` +
      'Pour choisir un nouveau mot de passe, ouvrez ce lien :\n\n' +
      `${url}\n\n` +
      `Il est valable ${validMinutes} minutes et ne sert qu'une fois. ` +
      'Vos sessions ouvertes seront fermées une fois le mot de passe changé.' +
      SIGNATURE.fr,
  };
}

export function emailChangeMail(to: string, name: string, url: string, locale: unknown): MailMessage {
  if (localeOf(locale) === 'en') {
    return {
      to,
      subject: 'Confirm your new SmartLocker e-mail address',
      text:
        `Hello ${name},\n\n` +
        'You asked to use this address for your SmartLocker account. To confirm, open this link:\n\n' +
        `${url}\n\n` +
        'Until you open it, your previous address stays the account’s.' +
        SIGNATURE.en,
    };
  }
  return {
    to,
    subject: 'Confirmez votre nouvelle adresse e-mail SmartLocker',
    text:
      `Bonjour ${name},\n\n` +
      'Vous avez demandé à utiliser cette adresse pour votre compte SmartLocker. ' +
      'Pour confirmer, ouvrez ce lien :\n\n' +
      `${url}\n\n` +
      "Tant que vous ne l'avez pas ouvert, votre ancienne adresse reste celle du compte." +
      SIGNATURE.fr,
  };
}

export function emailChangedNotice(to: string, name: string, newEmail: string, locale: unknown): MailMessage {
  if (localeOf(locale) === 'en') {
    return {
      to,
      subject: 'Your SmartLocker e-mail address has changed',
      text:
        `Hello ${name},\n\n` +
        `The address of your SmartLocker account is now ${newEmail}. ` +
        'If you did not make this change, reset your password from the sign-in page and contact the administrator.' +
        '\n\n— SmartLocker',
    };
  }
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
export function existingAccountMail(
  to: string,
  name: string,
  signInUrl: string,
  resetUrl: string,
  locale: unknown,
): MailMessage {
  if (localeOf(locale) === 'en') {
    return {
      to,
      subject: 'You already have a SmartLocker account',
      text:
        `Hello ${name},\n\n` +
        'Someone (maybe you) tried to create a SmartLocker account with this address, ' +
        'but it already has one. Sign in here:\n\n' +
        `${signInUrl}\n\n` +
        `Forgotten your password? Choose a new one here:\n\n${resetUrl}` +
        SIGNATURE.en,
    };
  }
  return {
    to,
    subject: 'Vous avez déjà un compte SmartLocker',
    text:
      `Bonjour ${name},\n\n` +
      "Quelqu'un (peut-être vous) a voulu créer un compte SmartLocker avec cette adresse, " +
      'mais elle a déjà un compte. Connectez-vous ici :\n\n' +
      `${signInUrl}\n\n` +
      `Mot de passe oublié ? Choisissez-en un nouveau ici :\n\n${resetUrl}` +
      SIGNATURE.fr,
  };
}
