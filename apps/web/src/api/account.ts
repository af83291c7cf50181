import type { Locale } from '../i18n/locale';
import { createHttp, type FetchLike } from './client';
import type { User } from './types';

/**
 * The account API (issue 4): public configuration, Google sign-in, password reset, settings and
 * the development outbox. better-auth serves `/api/auth/*`; our own routes serve `/api/me*`,
 * `/api/public-config` and `/api/dev/outbox`.
 */

/** What the sign-in page needs to know before anyone is signed in. */
export interface PublicConfig {
  googleEnabled: boolean;
  demoMode: boolean;
}

/** One message the server would have sent by e-mail (no SMTP configured: development outbox). */
export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  /** ISO 8601 instant. */
  sentAt: string;
}

interface UserResponse {
  user: User;
}

interface RedirectResponse {
  url?: string;
}

/** Where better-auth sends the browser back to after a reset link (the token is appended). */
export const RESET_PASSWORD_PATH = '/reinitialiser';
/** Where the confirmation link of an e-mail change lands. */
export const EMAIL_CHANGED_PATH = '/reglages';

function asPublicConfig(raw: Record<string, unknown>): PublicConfig {
  return { googleEnabled: raw.googleEnabled === true, demoMode: raw.demoMode === true };
}

function asOutbox(raw: Record<string, unknown>): OutboxMessage[] {
  const list = Array.isArray(raw.messages) ? raw.messages : [];
  return list.flatMap((item): OutboxMessage[] => {
    if (typeof item !== 'object' || item === null) return [];
    const m = item as Record<string, unknown>;
    const text = typeof m.text === 'string' ? m.text : '';
    return [
      {
        id: String(m.id ?? `${String(m.sentAt)}-${String(m.subject)}`),
        to: typeof m.to === 'string' ? m.to : Array.isArray(m.to) ? m.to.join(', ') : '',
        subject: typeof m.subject === 'string' ? m.subject : '—',
        text,
        sentAt: typeof m.at === 'string' ? m.at : typeof m.sentAt === 'string' ? m.sentAt : '',
      },
    ];
  });
}

export function createAccountApi(fetchImpl?: FetchLike) {
  const { json, noContent } = createHttp(fetchImpl);

  return {
    publicConfig: async (): Promise<PublicConfig> =>
      asPublicConfig(await json<Record<string, unknown>>('GET', '/api/public-config')),

    /** Starts the OpenID Connect flow; resolves to the provider's authorization URL. */
    googleSignInUrl: async (): Promise<string> => {
      const answer = await json<RedirectResponse>('POST', '/api/auth/sign-in/oauth2', {
        providerId: 'google',
        callbackURL: '/',
        errorCallbackURL: '/connexion',
      });
      if (!answer.url) throw new Error('the server gave no authorization URL');
      return answer.url;
    },

    /** Always answers the same way, whether or not the e-mail has an account. */
    requestPasswordReset: (email: string) =>
      noContent('POST', '/api/auth/request-password-reset', { email, redirectTo: RESET_PASSWORD_PATH }),

    resetPassword: (token: string, newPassword: string) =>
      noContent('POST', '/api/auth/reset-password', { token, newPassword }),

    updatePseudo: async (name: string): Promise<User> => (await json<UserResponse>('PATCH', '/api/me', { name })).user,
    /** The account's language: the server writes its e-mails in it. */
    updateLocale: async (locale: Locale): Promise<User> =>
      (await json<UserResponse>('PATCH', '/api/me', { locale })).user,

    /** The cropped image as raw bytes; the server checks the content and re-encodes it. */
    uploadPhoto: async (photo: Blob): Promise<User> => (await json<UserResponse>('PUT', '/api/me/photo', photo)).user,

    removePhoto: async (): Promise<User> => (await json<UserResponse>('DELETE', '/api/me/photo')).user,

    /** Sends a confirmation link to the new address; the change applies once it is followed. */
    changeEmail: (newEmail: string) =>
      noContent('POST', '/api/auth/change-email', { newEmail, callbackURL: EMAIL_CHANGED_PATH }),

    changePassword: (currentPassword: string, newPassword: string) =>
      noContent('POST', '/api/auth/change-password', { currentPassword, newPassword, revokeOtherSessions: true }),

    /** Ends every session of the account, this one included. */
    revokeAllSessions: () => noContent('POST', '/api/auth/revoke-sessions', {}),

    /** Erases the account; the current password is required when the account has one. */
    deleteAccount: (password?: string) => noContent('DELETE', '/api/me', password === undefined ? {} : { password }),

    outbox: async (): Promise<OutboxMessage[]> =>
      asOutbox(await json<Record<string, unknown>>('GET', '/api/dev/outbox')),
  };
}

export type AccountApi = ReturnType<typeof createAccountApi>;

export const accountApi: AccountApi = createAccountApi();
