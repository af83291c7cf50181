import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import { authAccounts, authSessions, userPhotos, users } from '../db/schema';

export interface SignInMethods {
  /** Provider ids of the linked accounts (`credential`, `google`). */
  providers: string[];
  hasPassword: boolean;
}

/** Account data beside better-auth's own writes: sign-in methods, photos, sessions, erasure. */
export class AccountRepository {
  constructor(private readonly db: Database) {}

  async signInMethods(userId: string): Promise<SignInMethods> {
    const rows = await this.db
      .select({ providerId: authAccounts.providerId, password: authAccounts.password })
      .from(authAccounts)
      .where(eq(authAccounts.userId, userId));
    return {
      providers: [...new Set(rows.map((r) => r.providerId))],
      hasPassword: rows.some((r) => r.providerId === 'credential' && r.password !== null),
    };
  }

  async photo(userId: string): Promise<{ webp: Buffer; updatedAt: Date } | null> {
    const rows = await this.db
      .select({ webp: userPhotos.webp, updatedAt: userPhotos.updatedAt })
      .from(userPhotos)
      .where(eq(userPhotos.userId, userId))
      .limit(1);
    return rows[0] ?? null;
  }

  /** Stores the photo and points the user's `image` at it; returns that URL. */
  async putPhoto(userId: string, webp: Buffer, imageUrl: (updatedAt: Date) => string): Promise<string> {
    return this.db.transaction(async (tx) => {
      const now = new Date();
      await tx
        .insert(userPhotos)
        .values({ userId, webp, updatedAt: now })
        .onConflictDoUpdate({ target: userPhotos.userId, set: { webp, updatedAt: now } });
      const url = imageUrl(now);
      await tx.update(users).set({ image: url, updatedAt: now }).where(eq(users.id, userId));
      return url;
    });
  }

  /** Removes the photo (and any provider photo URL): the profile then has no picture. */
  async removePhoto(userId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.delete(userPhotos).where(eq(userPhotos.userId, userId));
      await tx.update(users).set({ image: null, updatedAt: new Date() }).where(eq(users.id, userId));
    });
  }

  async deleteSessionByToken(token: string): Promise<void> {
    await this.db.delete(authSessions).where(eq(authSessions.token, token));
  }

  /** Marks the address as proven (a password reset went through a link sent to it). */
  async markEmailVerified(userId: string): Promise<void> {
    await this.db
      .update(users)
      .set({ emailVerified: true, updatedAt: new Date() })
      .where(and(eq(users.id, userId), eq(users.emailVerified, false)));
  }

  /**
   * Deletes the user row. Sessions, linked accounts, photo and pairings go with it (ON DELETE
   * CASCADE); bookings, payments and acknowledged alerts keep their rows with user_id NULL
   * (ON DELETE SET NULL), so the accounts stay right without naming anyone.
   */
  async deleteUser(userId: string): Promise<boolean> {
    const rows = await this.db.delete(users).where(eq(users.id, userId)).returning({ id: users.id });
    return rows.length > 0;
  }

  /** The credential's scrypt hash, or null for an account that has no password. */
  async passwordHash(userId: string): Promise<string | null> {
    const rows = await this.db
      .select({ password: authAccounts.password })
      .from(authAccounts)
      .where(and(eq(authAccounts.userId, userId), eq(authAccounts.providerId, 'credential')))
      .limit(1);
    return rows[0]?.password ?? null;
  }
}
