import type { EventBus } from '../eventBus';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { PairingRepository } from '../repositories/PairingRepository';
import type { UserRepository, UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import type { AccountRepository } from './AccountRepository';
import { type Locale, localeOf } from './locale';
import { detectPhotoType, InvalidPhotoError, PHOTO_MAX_BYTES, reencodePhoto } from './profilePhoto';
import { normalisePseudo, PSEUDO_MAX, PSEUDO_MIN } from './pseudo';

/** The person as the app shows them (GET /api/me `user`). */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  premium: boolean;
  role: 'user' | 'admin';
  /** `/api/me/photo?v=…` for an uploaded photo, the provider's photo URL, or null. */
  image: string | null;
  /** Signed in with Google: the address is Google's and cannot be changed here (SPEC §3). */
  emailLocked: boolean;
  /** Has a password (false for an account created with Google until a reset sets one). */
  hasPassword: boolean;
  /** The person's language (issue 12): the app and the e-mails follow it. */
  locale: Locale;
}

export const PHOTO_PATH = '/api/me/photo';

/** Settings and erasure of one's own account (issue 4); every method acts on the given user only. */
export class AccountService {
  constructor(
    private readonly users: UserRepository,
    private readonly accounts: AccountRepository,
    private readonly pairings: PairingRepository,
    private readonly audit: AuditRepository,
    private readonly bus: EventBus,
  ) {}

  async publicUser(user: UserRow): Promise<PublicUser> {
    const methods = await this.accounts.signInMethods(user.id);
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      premium: user.premium,
      role: user.role,
      image: user.image,
      emailLocked: methods.providers.includes('google'),
      hasPassword: methods.hasPassword,
      locale: localeOf(user.locale),
    };
  }

  async emailLocked(userId: string): Promise<boolean> {
    return (await this.accounts.signInMethods(userId)).providers.includes('google');
  }

  async hasPassword(userId: string): Promise<boolean> {
    return (await this.accounts.signInMethods(userId)).hasPassword;
  }

  async setLocale(userId: string, locale: Locale): Promise<UserRow> {
    const updated = await this.users.update(userId, { locale });
    if (!updated) throw new AppError(404, 'not_found', 'Account not found.');
    return updated;
  }

  async rename(userId: string, raw: unknown): Promise<UserRow> {
    const name = normalisePseudo(raw);
    if (!name) {
      throw new AppError(400, 'invalid_name', `The pseudo must be ${PSEUDO_MIN} to ${PSEUDO_MAX} characters long.`);
    }
    const updated = await this.users.update(userId, { name });
    if (!updated) throw new AppError(404, 'not_found', 'Account not found.');
    return updated;
  }

  async setPhoto(userId: string, bytes: Uint8Array): Promise<UserRow> {
    if (bytes.byteLength === 0) throw new AppError(400, 'empty_photo', 'Send the photo as the request body.');
    if (bytes.byteLength > PHOTO_MAX_BYTES) throw photoTooLarge();
    const type = detectPhotoType(bytes);
    if (!type) throw new AppError(415, 'unsupported_photo_type', 'The photo must be a PNG, JPEG or WebP image.');
    let webp: Buffer;
    try {
      webp = await reencodePhoto(bytes, type);
    } catch (error) {
      if (error instanceof InvalidPhotoError) {
        throw new AppError(422, 'invalid_photo', 'This file could not be read as an image.');
      }
      throw error;
    }
    // The version makes the URL change with the photo, so no cache shows the previous one.
    await this.accounts.putPhoto(userId, webp, (at) => `${PHOTO_PATH}?v=${at.getTime().toString(36)}`);
    return this.#reload(userId);
  }

  async removePhoto(userId: string): Promise<UserRow> {
    await this.accounts.removePhoto(userId);
    return this.#reload(userId);
  }

  photo(userId: string) {
    return this.accounts.photo(userId);
  }

  /**
   * Erases a person's data (SPEC §9, issue 4): the pairing is ended (and announced, so the
   * locker's other users see it), then the user row goes with its sessions, sign-in methods and
   * photo. Bookings and payments stay, anonymised. The audit entry keeps the opaque id only.
   */
  readonly #erasureSteps: ((userId: string) => Promise<void>)[] = [];

  /** Work another part must do before an account is erased (bookings are settled, for instance). */
  addErasureStep(step: (userId: string) => Promise<void>): void {
    this.#erasureSteps.push(step);
  }

  /**
   * An administrator's erasure (issue 11) is the same erasure, audited as
   * `account.erased_by_admin` with the reason they gave.
   */
  async erase(userId: string, by: { kind: 'user' | 'admin'; id: string }, reason?: string): Promise<void> {
    for (const step of this.#erasureSteps) await step(userId);
    const lockerId = await this.pairings.end(userId, by.kind, new Date());
    if (lockerId) {
      await this.audit.record({ actorKind: by.kind, actorId: by.id, action: 'pairing.ended', lockerId });
      this.bus.emit('pairing.changed', { userId, lockerId: null });
    }
    if (!(await this.accounts.deleteUser(userId))) throw new AppError(404, 'not_found', 'Account not found.');
    await this.audit.record({
      actorKind: by.kind,
      actorId: by.id,
      action: by.kind === 'admin' ? 'account.erased_by_admin' : 'account.erased',
      subjectUserId: userId,
      ...(reason === undefined ? {} : { data: { reason } }),
    });
  }

  async #reload(userId: string): Promise<UserRow> {
    const user = await this.users.findById(userId);
    if (!user) throw new AppError(404, 'not_found', 'Account not found.');
    return user;
  }
}

export function photoTooLarge(): AppError {
  return new AppError(413, 'photo_too_large', 'The photo must be 2 MB or smaller.');
}
