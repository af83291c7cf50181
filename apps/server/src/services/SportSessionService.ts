import {
  type ActiveSportSession,
  decideEndSession,
  decideOpenInSession,
  decideStartSession,
  type SportSessionDecision,
  type SportSessionEndReason,
  type SportSessionRefusal,
} from '@smartlocker/domain';
import { BrokerUnavailableError, type LockerGateway } from '../broker/LockerGateway';
import type { Clock } from '../clock';
import type { EventBus } from '../eventBus';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { LockerRepository, LockerWithSite } from '../repositories/LockerRepository';
import type { PairingRepository } from '../repositories/PairingRepository';
import type { SessionRepository, SportSessionRow } from '../repositories/SessionRepository';
import type { UserRepository, UserRow } from '../repositories/UserRepository';
import { AppError, lockdownRefusal, OUT_OF_SERVICE } from './AppError';
import { type EndedSessionView, type SportSessionView, toEndedSessionView, toSessionView } from './sessionView';

const REFUSALS: Record<SportSessionRefusal, AppError> = {
  not_paired: new AppError(403, 'not_paired', 'You can only use the locker paired to your account.'),
  premium_required: new AppError(403, 'premium_required', 'Sport lockers are for Premium members.'),
  session_active: new AppError(409, 'session_active', 'You already have a session running: end it first.'),
  no_active_session: new AppError(409, 'no_active_session', 'You have no session running here: start one first.'),
  grace_open_used: new AppError(
    403,
    'grace_open_used',
    'Without Premium you could open once more to take your things out, and you did: end the session now.',
  ),
  locker_offline: new AppError(409, 'locker_offline', 'The locker is offline; it cannot receive the command.'),
  lockdown: lockdownRefusal(null),
  out_of_service: OUT_OF_SERVICE,
  door_open: new AppError(409, 'door_open', 'The door is open: close it before ending the session.'),
  door_unknown: new AppError(
    409,
    'door_unknown',
    'The locker cannot say whether its door is closed (offline or unknown): end the session once it can.',
  ),
};

const OBJECT_LEFT_INSIDE = new AppError(
  409,
  'object_left_inside',
  'The sensor still sees something inside. Send again with objectLeftConfirmed to end anyway.',
);
const LOCKER_BUSY = new AppError(409, 'locker_busy', 'Another member has a session running on this locker.');
const NOT_SPORT_LOCKER = new AppError(
  409,
  'not_sport_locker',
  'Sessions are for sport lockers; school lockers are booked.',
);
const UNKNOWN_LOCKER = new AppError(404, 'unknown_locker', 'No locker has this id.');
const ADMIN_ONLY = new AppError(403, 'admin_only', 'This needs an administrator account.');

const BROKER_UNAVAILABLE = new BrokerUnavailableError().code;

type Actor = { kind: 'user' | 'admin' | 'system'; id: string | null };

export interface SportSessionDeps {
  lockers: LockerRepository;
  pairings: PairingRepository;
  sessions: SessionRepository;
  users: UserRepository;
  audit: AuditRepository;
  gateway: LockerGateway;
  bus: EventBus;
  clock: Clock;
}

/**
 * Sport sessions (SPEC §6, issue 6): start, open again, end; and an administrator's force-free.
 * Premium is read from the database before every action, never taken from the caller. Every way a
 * session ends goes through `#finish`, so the history, the audit trail, the pairing and the live
 * streams are updated the same way whoever ends it.
 */
export class SportSessionService {
  constructor(private readonly deps: SportSessionDeps) {}

  async current(userId: string): Promise<SportSessionView | null> {
    const session = await this.deps.sessions.activeOfUser(userId);
    return session ? toSessionView(session) : null;
  }

  /** Starts a session on the member's paired sport locker and opens it. */
  async start(user: UserRow, lockerId: string): Promise<{ session: SportSessionView; commandId: string }> {
    const { lockers, pairings, sessions, audit, bus, clock } = this.deps;
    const member = await this.#fresh(user);
    const found = await lockers.findWithSite(lockerId);
    const paired = found !== null && (await pairings.activeLockerOf(member.id)) === lockerId;
    // Someone else's locker and a locker that does not exist answer the same, so ids cannot be probed.
    if (!found || !paired) throw REFUSALS.not_paired;
    if (found.locker.type !== 'sport') throw NOT_SPORT_LOCKER;
    const running = await sessions.activeOfUser(member.id);
    const now = clock.now();
    const decision = decideStartSession(
      {
        pairedToUser: true,
        userIsPremium: member.premium,
        session: running ? activeSession(running) : null,
        locker: found.locker,
        objectPresent: found.locker.objectPresent,
      },
      now,
    );
    if (!decision.ok) throw refusalOf(decision, found);
    // The checks above give the reason; the unique indexes decide a race of two starts.
    const started = await sessions.start(member.id, lockerId, now);
    if (!started.ok) {
      // A member's own concurrent starts break both unique indexes, and which one PostgreSQL
      // reports is not fixed: whether the member now has a session is what tells them apart.
      const own = started.conflict === 'user_session_active' || (await sessions.activeOfUser(member.id)) !== null;
      throw own ? REFUSALS.session_active : LOCKER_BUSY;
    }
    let commandId: string;
    try {
      commandId = await this.#sendOpen(member.id, lockerId, { sessionId: started.session.id, start: true });
    } catch (error) {
      // "Start" is a session and an open: when the open could not be sent, nothing started.
      if (error instanceof AppError && error.code === BROKER_UNAVAILABLE) await sessions.discard(started.session.id);
      throw error;
    }
    await audit.record({
      actorKind: 'user',
      actorId: member.id,
      action: 'session.started',
      lockerId,
      subjectUserId: member.id,
      data: { sessionId: started.session.id, commandId },
    });
    const view = toSessionView(started.session);
    bus.emit('session.changed', { userId: member.id, lockerId, session: view });
    return { session: view, commandId };
  }

  /**
   * A new open pulse within the running session. `lockerId`, when given (the generic open route),
   * must be the session's locker.
   */
  async open(
    user: UserRow,
    lockerId?: string,
    /** The locker as the caller just read it (OpenService), not read a second time. */
    known?: LockerWithSite,
  ): Promise<{ commandId: string; graceOpen: boolean }> {
    const { sessions, bus, clock } = this.deps;
    const [member, session] = await Promise.all([this.#fresh(user), sessions.activeOfUser(user.id)]);
    if (!session || (lockerId !== undefined && session.lockerId !== lockerId)) throw REFUSALS.no_active_session;
    const found = known?.locker.id === session.lockerId ? known : await this.#locker(session.lockerId);
    const decision = decideOpenInSession(
      {
        pairedToUser: true,
        userIsPremium: member.premium,
        session: activeSession(session),
        locker: found.locker,
        objectPresent: found.locker.objectPresent,
      },
      clock.now(),
    );
    if (!decision.ok) throw refusalOf(decision, found);
    const { graceOpen } = decision.effect;
    // Premium lost mid-session: one open to take one's things out. Recorded before sending, so
    // two concurrent taps cannot both use it.
    if (graceOpen && !(await sessions.useGraceOpen(session.id))) throw REFUSALS.grace_open_used;
    const commandId = await this.#sendOpen(member.id, session.lockerId, { sessionId: session.id, graceOpen });
    if (graceOpen) {
      bus.emit('session.changed', {
        userId: member.id,
        lockerId: session.lockerId,
        session: toSessionView({ ...session, graceOpenUsed: true }),
      });
    }
    return { commandId, graceOpen };
  }

  /** The member ends their session (Premium not needed: issue 6, a member who lost it may still end). */
  async end(user: UserRow, options: { objectLeftConfirmed: boolean }): Promise<EndedSessionView> {
    const session = await this.deps.sessions.activeOfUser(user.id);
    if (!session) throw REFUSALS.no_active_session;
    return this.#finish(session, 'user', { kind: 'user', id: user.id }, options.objectLeftConfirmed);
  }

  /**
   * SPEC §9 "force-free a locker (clear its active session)": the administrator ends whatever
   * session runs on the locker, by the same rules and with the same effects as the member's End.
   */
  async forceFree(
    admin: UserRow,
    lockerId: string,
    options: { objectLeftConfirmed: boolean },
  ): Promise<EndedSessionView> {
    if (admin.role !== 'admin') throw ADMIN_ONLY;
    const found = await this.deps.lockers.findWithSite(lockerId);
    if (!found) throw UNKNOWN_LOCKER;
    if (found.locker.type !== 'sport') throw NOT_SPORT_LOCKER;
    const session = await this.deps.sessions.activeOnLocker(lockerId);
    if (!session) throw REFUSALS.no_active_session;
    return this.#finish(session, 'admin', { kind: 'admin', id: admin.id }, options.objectLeftConfirmed);
  }

  /**
   * The one way a session ends: decided by the domain from fresh locker facts, then logged in the
   * history (completed, with its end and reason), audited, the pairing released for the next
   * member, and announced so the member's streams and dashboard update.
   *
   * "Locks the locker" (SPEC §6) needs no command: the strike re-engages by itself at the end of
   * every 4 s pulse (the protocol has no lock command), and ending is refused unless the locker
   * reports its door closed — a closed door behind a released strike is a locked locker.
   */
  async #finish(
    session: SportSessionRow,
    reason: SportSessionEndReason,
    actor: Actor,
    objectLeftConfirmed: boolean,
  ): Promise<EndedSessionView> {
    const { sessions, pairings, audit, bus, clock } = this.deps;
    const found = await this.#locker(session.lockerId);
    const decision = decideEndSession(
      { session: activeSession(session), locker: found.locker, objectPresent: found.locker.objectPresent },
      reason,
      objectLeftConfirmed,
    );
    if (!decision.ok) throw refusalOf(decision);
    // `bookings_range_valid` wants the end after the start: a clock that has not moved (a test's
    // ManualClock) still gives a session of a millisecond, never a refused write.
    const endedAt = new Date(Math.max(clock.now().getTime(), session.startedAt.getTime() + 1));
    const completed = await sessions.complete(session.id, {
      endedAt,
      reason,
      objectLeftInside: decision.effect.objectLeftInside,
    });
    // A concurrent End (the member's, an administrator's) got there first.
    if (!completed) throw REFUSALS.no_active_session;
    const ended = toEndedSessionView(completed);
    await audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'session.ended',
      lockerId: session.lockerId,
      subjectUserId: session.userId,
      data: {
        sessionId: session.id,
        reason,
        durationMinutes: ended.durationMinutes,
        objectLeftInside: ended.objectLeftInside,
      },
    });
    const userId = session.userId;
    if (userId !== null) {
      bus.emit('session.changed', { userId, lockerId: session.lockerId, session: null });
      // SPEC §6: the pairing is released so the next member can use the locker.
      if (await pairings.endOn(userId, session.lockerId, actor.kind, endedAt)) {
        await audit.record({
          actorKind: actor.kind,
          actorId: actor.id,
          action: 'pairing.ended',
          lockerId: session.lockerId,
          subjectUserId: userId,
          data: { sessionId: session.id },
        });
        bus.emit('pairing.changed', { userId, lockerId: null });
      }
    }
    return ended;
  }

  async #sendOpen(userId: string, lockerId: string, data: Record<string, unknown>): Promise<string> {
    try {
      const sent = await this.deps.gateway.sendCommand(lockerId, 'open', { kind: 'user', ref: userId }, userId);
      await this.deps.audit.record({
        actorKind: 'user',
        actorId: userId,
        action: 'locker.open_requested',
        lockerId,
        data: { commandId: sent.commandId, ...data },
      });
      return sent.commandId;
    } catch (error) {
      if (error instanceof BrokerUnavailableError) throw new AppError(503, error.code, error.message);
      throw error;
    }
  }

  /** SPEC §6 "checked on the server before any action": the account as stored now. */
  async #fresh(user: UserRow): Promise<UserRow> {
    const fresh = await this.deps.users.findById(user.id);
    if (!fresh) throw new AppError(401, 'unauthenticated', 'Sign in to continue.');
    return fresh;
  }

  async #locker(lockerId: string): Promise<LockerWithSite> {
    const found = await this.deps.lockers.findWithSite(lockerId);
    if (!found) throw new Error(`locker ${lockerId} of a running session vanished`);
    return found;
  }
}

function activeSession(row: SportSessionRow): ActiveSportSession {
  return { id: row.id, startedAt: row.startedAt, graceOpenUsed: row.graceOpenUsed };
}

function refusalOf(decision: Extract<SportSessionDecision, { ok: false }>, locker?: LockerWithSite): AppError {
  if ('warning' in decision) return OBJECT_LEFT_INSIDE;
  if (decision.refusal === 'lockdown') return lockdownRefusal(locker?.locker.lockdownUntil ?? null);
  return REFUSALS[decision.refusal];
}
