import type { AccountService } from '../accounts/AccountService';
import type { EventBus } from '../eventBus';
import type { AdminUserRepository, AdminUserRow, UserListQuery } from '../repositories/AdminUserRepository';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { PairingRepository } from '../repositories/PairingRepository';
import type { SessionRepository } from '../repositories/SessionRepository';
import type { UserRepository } from '../repositories/UserRepository';
import { AppError } from './AppError';

/** Who acts: an administrator from the panel, or the operator at the CLI (`system`, no account). */
export interface AdminActor {
  kind: 'admin' | 'system';
  id: string | null;
}

/** One person as the administrators' list shows them (docs/admin-api.md `AdminUser`). */
export interface AdminUserView {
  id: string;
  name: string;
  email: string;
  role: 'user' | 'admin';
  premium: boolean;
  createdAt: string;
  sessions: number;
  revenueCents: number;
  locker: { id: string; name: string } | null;
}

export interface AdminUserPage {
  users: AdminUserView[];
  total: number;
  page: number;
  pageSize: number;
  totals: { revenueCents: number };
}

export interface AdminUserServiceDeps {
  adminUsers: AdminUserRepository;
  users: UserRepository;
  pairings: PairingRepository;
  sessions: SessionRepository;
  accounts: AccountService;
  audit: AuditRepository;
  bus: EventBus;
  now?: () => Date;
}

const UNKNOWN_USER = new AppError(404, 'unknown_user', 'No account has this id.');

export function toAdminUserView(row: AdminUserRow): AdminUserView {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    premium: row.premium,
    createdAt: row.createdAt.toISOString(),
    sessions: row.sessions,
    revenueCents: row.revenueCents,
    locker: row.lockerId ? { id: row.lockerId, name: row.lockerName ?? row.lockerId } : null,
  };
}

/**
 * What administrators do to people (issue 11, docs/admin-api.md "People"): Premium, role,
 * force-unpair, erasure. Every change is audited with the reason given; the HTTP routes and the
 * `npm run admin` CLI both come through here.
 */
export class AdminUserService {
  readonly #deps: AdminUserServiceDeps;

  constructor(deps: AdminUserServiceDeps) {
    this.#deps = deps;
  }

  async list(
    query: Omit<UserListQuery, 'offset' | 'limit'> & { page: number; pageSize: number },
  ): Promise<AdminUserPage> {
    const { page, pageSize, ...filter } = query;
    const [rows, totals] = await Promise.all([
      this.#deps.adminUsers.list({ ...filter, offset: (page - 1) * pageSize, limit: pageSize }),
      this.#deps.adminUsers.totals(filter),
    ]);
    return {
      users: rows.map(toAdminUserView),
      total: totals.people,
      page,
      pageSize,
      totals: { revenueCents: totals.revenueCents },
    };
  }

  async get(id: string): Promise<AdminUserView> {
    const row = await this.#deps.adminUsers.findById(id);
    if (!row) throw UNKNOWN_USER;
    return toAdminUserView(row);
  }

  /** The CLI names people by e-mail address. */
  async idByEmail(email: string): Promise<string> {
    const user = await this.#deps.users.findByEmail(email);
    if (!user) throw new AppError(404, 'unknown_user', `No account has the address ${email}.`);
    return user.id;
  }

  async setPremium(id: string, premium: boolean, actor: AdminActor, reason: string): Promise<AdminUserView> {
    const before = await this.#deps.users.findById(id);
    if (!before) throw UNKNOWN_USER;
    await this.#deps.users.update(id, { premium });
    await this.#deps.audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: premium ? 'user.premium_granted' : 'user.premium_revoked',
      subjectUserId: id,
      data: { reason, before: before.premium },
    });
    return this.get(id);
  }

  async setRole(id: string, role: 'user' | 'admin', actor: AdminActor, reason: string): Promise<AdminUserView> {
    const outcome = await this.#deps.adminUsers.setRole(id, role);
    switch (outcome) {
      case 'not_found':
        throw UNKNOWN_USER;
      case 'last_admin':
        throw new AppError(409, 'last_admin', 'This is the last administrator: make someone else one first.');
      case 'unchanged':
      case 'changed':
        break;
    }
    await this.#deps.audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'user.role_changed',
      subjectUserId: id,
      data: { reason, role, changed: outcome === 'changed' },
    });
    return this.get(id);
  }

  /** Ends a person's pairing; a running sport session must be ended first (force-free). */
  async forceUnpair(id: string, actor: AdminActor, reason: string): Promise<AdminUserView> {
    if (!(await this.#deps.users.findById(id))) throw UNKNOWN_USER;
    if (await this.#deps.sessions.activeOfUser(id)) {
      throw new AppError(409, 'session_active', 'A sport session is running: end it first (force-free the locker).');
    }
    const lockerId = await this.#deps.pairings.end(id, actor.kind, this.#now());
    if (!lockerId) throw new AppError(409, 'not_paired', 'This person has no paired locker.');
    await this.#deps.audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'pairing.force_unpaired',
      lockerId,
      subjectUserId: id,
      data: { reason },
    });
    this.#deps.bus.emit('pairing.changed', { userId: id, lockerId: null });
    return this.get(id);
  }

  /** SPEC §9 "delete a user's data": the same erasure as a person's own (AccountService). */
  async erase(id: string, admin: { id: string }, reason: string): Promise<void> {
    if (id === admin.id) {
      throw new AppError(409, 'cannot_erase_self', 'You cannot erase your own account from the panel.');
    }
    if (!(await this.#deps.users.findById(id))) throw UNKNOWN_USER;
    await this.#deps.accounts.erase(id, { kind: 'admin', id: admin.id }, reason);
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }
}
