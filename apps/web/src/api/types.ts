/** Shapes of the server's JSON API, as the web app consumes them. */

import type { SessionStats, SportSession } from './sessions';

export type LockerType = 'school' | 'sport';
export type DoorState = 'open' | 'closed' | 'unknown';
export type LockState = 'locked' | 'unlocked';
export type UserRole = 'user' | 'admin';

/** What the server tells a user about their paired locker (GET /api/me, SSE `locker`). */
export interface LockerView {
  id: string;
  name: string;
  type: LockerType;
  siteName: string;
  online: boolean;
  door: DoorState;
  lock: LockState;
  lockdown: boolean;
  /** When a lockdown in force ends by itself (5 min after it started); null otherwise. */
  lockdownUntil: string | null;
  /** Put out of service by an administrator (issue 11); null when in service. */
  outOfService: { since: string; reason: string | null } | null;
  objectPresent: boolean | null;
  /** ISO 8601 instant of the last change the server saw. */
  updatedAt: string;
}

export interface User {
  id: string;
  email: string;
  /** The pseudo chosen at sign-up (better-auth calls it `name`). */
  name: string;
  premium: boolean;
  role: UserRole;
  /** URL of the profile photo (changes with each upload); null or absent when there is none. */
  image?: string | null;
  /** Signed in with Google: the e-mail is Google's and cannot be changed here (SPEC §3). */
  emailLocked?: boolean;
  /** Has a password (false for an account created with Google until a reset sets one). */
  hasPassword?: boolean;
  /** The account's language (`fr` or `en`): e-mails are written in it. Absent from older servers. */
  locale?: string;
}

export interface Me {
  user: User;
  demoMode: boolean;
  locker: LockerView | null;
  /** The running sport session (issue 6); absent from servers before it. */
  session?: SportSession | null;
  /** The member's totals: sessions, minutes, money spent (issue 6). */
  stats?: SessionStats;
  /** The server's time when it answered (ISO 8601): countdowns run on it (see serverClock.ts). */
  now?: string;
}

export interface PairingResponse {
  locker: LockerView;
}

export interface OpenCommandResponse {
  commandId: string;
}

export interface PremiumResponse {
  user: User;
}

export type CommandOutcome = 'accepted' | 'refused';

/** SSE `command`: the locker acknowledged one of the user's commands. */
export interface CommandEvent {
  commandId: string;
  outcome: CommandOutcome;
  reason?: string;
}

export interface SignUpInput {
  email: string;
  password: string;
  /** The pseudo. */
  name: string;
  /** The language the person signed up in (the account's e-mails follow it). */
  locale?: string;
}

export interface SignInInput {
  email: string;
  password: string;
}

/** Every failure the client reports: a stable code and the server's own (English) message. */
export interface ApiErrorBody {
  code: string;
  message: string;
}

/** SSE `alert`: something at the user's locker needs attention (SPEC §8, issue 10). */
export interface AlertEvent {
  alertId: string;
  lockerId: string;
  /** One of the alert kinds (api/alerts.ts); an unknown one reads as a generic alert. */
  type: string;
  severity: 'info' | 'warning' | 'critical';
  at: string;
  /** What the kind carries (`until` of a lockdown, `openForS` of a door left open…). */
  data: Record<string, unknown>;
}
