import {
  ALERT_POLICIES,
  type AlertKind,
  type AlertRecipient,
  type AlertState,
  acknowledgeAlert,
  alarmsEndedBy,
  alertRecipients,
  clearAlert,
  initialAlertState,
  isAlertKind,
  notificationChoices,
  type SecurityAlertKind,
} from '@smartlocker/domain';
import type { DeviceEvent } from '@smartlocker/protocol';
import { type Locale, localeOf } from '../accounts/locale';
import type { Clock } from '../clock';
import type { EventBus } from '../eventBus';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { PushService } from '../push/PushService';
import type { AlertRepository, AlertRow } from '../repositories/AlertRepository';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { LockerRepository } from '../repositories/LockerRepository';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import { alertLogMessage, alertNotification } from './alertMessages';

/** An alert as the API and the live streams show it. */
export interface AlertView {
  id: string;
  lockerId: string;
  lockerName: string;
  kind: AlertKind;
  severity: 'info' | 'warning' | 'critical';
  state: AlertState;
  data: Record<string, unknown>;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedNote: string | null;
  clearedAt: string | null;
  clearedReason: string | null;
  clearedNote: string | null;
}

export interface AlertServiceDeps {
  alerts: AlertRepository;
  lockers: LockerRepository;
  audit: AuditRepository;
  bus: EventBus;
  push: PushService;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  /** A locker offline this long is an alarm (LOCKER_OFFLINE_AFTER_S). */
  offlineAfterMs: number;
}

const NOT_FOUND = new AppError(404, 'unknown_alert', 'No alert has this id.');
const REFUSED: Record<'already_acknowledged' | 'already_cleared', AppError> = {
  already_acknowledged: new AppError(409, 'already_acknowledged', 'This alarm was already acknowledged.'),
  already_cleared: new AppError(409, 'already_cleared', 'This alarm is already over.'),
};

/**
 * Every alert goes through here (issue 10, docs/alerts.md): device events and the server's own
 * offline watch become records (once each, whichever instance sees them), the alarms they end are
 * cleared, each record is audited, shown live and pushed to the people the domain's policy names.
 */
export class AlertService {
  readonly #deps: AlertServiceDeps;
  #sweep: ReturnType<typeof setInterval> | null = null;
  /** Pushes and gauge refreshes under way, so a stopping server (or a test) can wait for them. */
  readonly #sending = new Set<Promise<void>>();

  constructor(deps: AlertServiceDeps) {
    this.#deps = deps;
  }

  /** Watches for lockers that stay offline (every third of the threshold, at most every 15 s). */
  start(): void {
    const every = Math.max(250, Math.min(15_000, this.#deps.offlineAfterMs / 3));
    this.#sweep = setInterval(() => void this.sweepOffline(), every);
    this.#sweep.unref();
  }

  async stop(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
    await this.idle();
  }

  /** Resolves once every push started so far has been handed to its push service (or failed). */
  async idle(): Promise<void> {
    while (this.#sending.size > 0) await Promise.allSettled([...this.#sending]);
  }

  /** The alerts a device event raises, and the alarms it ends (SPEC §2, §8). */
  async onDeviceEvent(event: DeviceEvent, at: Date): Promise<void> {
    switch (event.type) {
      case 'intrusion':
        await this.#raise(event.lockerId, 'intrusion', { count: event.count }, at, event.seq);
        return;
      case 'lockdown_started':
        await this.#raise(event.lockerId, 'lockdown', { until: new Date(event.until).toISOString() }, at, event.seq);
        return;
      case 'lockdown_ended':
        await this.#raise(event.lockerId, 'lockdown_ended', { by: event.by }, at, event.seq);
        return;
      case 'door_left_open':
        await this.#raise(
          event.lockerId,
          event.escalated ? 'door_left_open_escalated' : 'door_left_open',
          { openForS: event.openForS, reminder: event.reminder },
          at,
          event.seq,
        );
        return;
      case 'door_closed':
        await this.#endAlarms(event.lockerId, ['door_left_open', 'door_left_open_escalated'], at);
        return;
      case 'open_result':
        if (event.result === 'open_not_confirmed') {
          await this.#raise(event.lockerId, 'open_not_confirmed', { commandId: event.commandId }, at, event.seq);
        }
        return;
      case 'badge':
        if (!event.known)
          await this.#raise(event.lockerId, 'unknown_badge', { badgeHash: event.badgeHash }, at, event.seq);
        return;
      case 'relay_fault':
        if (event.recovered) await this.#endAlarms(event.lockerId, ['relay_fault'], at);
        else await this.#raise(event.lockerId, 'relay_fault', { phase: event.phase }, at, event.seq);
        return;
      case 'door_opened':
      case 'open_refused':
        return;
    }
  }

  /**
   * What looks like an attack on the device side (issue 14, security/SecurityAlerts.ts, which
   * decides when, and keeps a flood down to one record per locker and kind per window).
   */
  async onSecurityEvent(lockerId: string, kind: SecurityAlertKind, data: Record<string, unknown>, at: Date) {
    await this.#raise(lockerId, kind, data, at);
  }

  /** The locker is back (status or any report after the server counted it offline). */
  async onLockerOnline(lockerId: string, at: Date): Promise<void> {
    const ended = await this.#endAlarms(lockerId, ['locker_offline'], at);
    // "Back online" is told only to whoever heard that it was offline.
    if (ended.length > 0) await this.#raise(lockerId, 'locker_online', { offlineAlertId: ended[0]?.id }, at);
  }

  /** SPEC §2 / issue 10: a locker offline for LOCKER_OFFLINE_AFTER_S becomes an alarm, once. */
  async sweepOffline(): Promise<void> {
    try {
      const now = this.#deps.clock.now();
      const lockers = await this.#deps.alerts.offlineWithoutAlarm(new Date(now.getTime() - this.#deps.offlineAfterMs));
      for (const locker of lockers) {
        await this.#raise(locker.id, 'locker_offline', { offlineSince: locker.offlineSince.toISOString() }, now);
      }
    } catch (error) {
      this.#deps.logger.error({ err: error }, 'offline alarm sweep failed');
    }
  }

  async acknowledge(admin: UserRow, alertId: string, note: string | null): Promise<AlertView> {
    const row = await this.#find(alertId);
    const decision = acknowledgeAlert(row.type, row.state);
    if (!decision.ok) throw REFUSED[decision.refusal];
    const at = this.#deps.clock.now();
    const changed = await this.#deps.alerts.transition(
      alertId,
      row.state,
      decision.next === 'cleared'
        ? { to: 'cleared', by: admin.id, note, at, reason: 'acknowledged' }
        : { to: 'acknowledged', by: admin.id, note, at },
    );
    // Someone else acknowledged or it ended between the read and the write.
    if (!changed)
      throw REFUSED[(await this.#find(alertId)).state === 'cleared' ? 'already_cleared' : 'already_acknowledged'];
    await this.#deps.audit.record({
      actorKind: 'admin',
      actorId: admin.id,
      action: 'alert.acknowledged',
      lockerId: row.lockerId,
      data: { alertId, kind: row.type, note, closed: decision.closes },
    });
    return this.#announceChange(changed);
  }

  async clear(admin: UserRow, alertId: string, note: string | null): Promise<AlertView> {
    const row = await this.#find(alertId);
    const decision = clearAlert(row.state);
    if (!decision.ok) throw REFUSED[decision.refusal];
    const changed = await this.#deps.alerts.transition(alertId, row.state, {
      to: 'cleared',
      by: admin.id,
      note,
      at: this.#deps.clock.now(),
      reason: 'admin',
    });
    if (!changed) throw REFUSED.already_cleared;
    await this.#deps.audit.record({
      actorKind: 'admin',
      actorId: admin.id,
      action: 'alert.cleared',
      lockerId: row.lockerId,
      data: { alertId, kind: row.type, note },
    });
    return this.#announceChange(changed);
  }

  async listOpen(options: { lockerId?: string; limit: number }): Promise<AlertView[]> {
    const rows = await this.#deps.alerts.listOpen(options);
    return Promise.all(rows.map((row) => this.#view(row)));
  }

  /** What a person may hear of, muted or not (Settings). */
  async preferences(user: UserRow): Promise<{ kind: AlertKind; muted: boolean; mutable: boolean }[]> {
    const muted = new Set(await this.#deps.alerts.mutedKinds(user.id));
    return notificationChoices(user.role).map(({ kind, mutable }) => ({
      kind,
      mutable,
      muted: mutable && muted.has(kind),
    }));
  }

  async setMuted(user: UserRow, kind: string, muted: boolean): Promise<void> {
    const choice = isAlertKind(kind) ? notificationChoices(user.role).find((c) => c.kind === kind) : undefined;
    if (!choice) throw new AppError(400, 'unknown_alert_kind', 'There is no such kind of alert to mute.');
    if (!choice.mutable && muted) {
      throw new AppError(409, 'not_mutable', 'An intrusion at your locker is always notified.');
    }
    await this.#deps.alerts.setMuted(user.id, choice.kind, muted);
  }

  async #raise(lockerId: string, kind: AlertKind, data: Record<string, unknown>, at: Date, deviceSeq?: number) {
    const { alerts, audit, metrics, bus } = this.#deps;
    const found = await this.#deps.lockers.findWithSite(lockerId);
    if (!found) return;
    const facts = { lockerName: found.locker.name, data };
    const row = await alerts.raise({
      lockerId,
      kind,
      severity: ALERT_POLICIES[kind].severity,
      message: alertLogMessage(kind, facts),
      data,
      state: initialAlertState(kind),
      at,
      ...(deviceSeq !== undefined ? { deviceSeq } : {}),
    });
    // Raised already: the same device message again, or an offline alarm another instance raised.
    if (!row) return;
    metrics.alerts.inc({ kind });
    for (const ended of alarmsEndedBy(kind)) await this.#endAlarms(lockerId, [ended], at);
    const audience = await alerts.audienceOf(lockerId, kind, at);
    const recipients = alertRecipients({ kind, ...audience }).map((r) => ({
      ...r,
      locale: localeOf(audience.locales.get(r.userId)),
    }));
    await audit.record({
      actorKind: deviceSeq !== undefined ? 'device' : 'system',
      actorId: deviceSeq !== undefined ? lockerId : null,
      action: 'alert.raised',
      lockerId,
      subjectUserId: audience.ownerId,
      data: { alertId: row.id, kind, severity: row.severity, notified: recipients.map((r) => r.userId) },
    });
    const view = await this.#view(row, found.locker.name);
    bus.emit('alert.raised', { alert: view, ownerId: audience.ownerId });
    this.#refreshGauge();
    this.#notify(view, recipients);
  }

  /** Clears the open alarms of these kinds because their end was reported, and says so live. */
  async #endAlarms(lockerId: string, kinds: AlertKind[], at: Date): Promise<AlertRow[]> {
    const ended = await this.#deps.alerts.clearEnded(lockerId, kinds, at);
    for (const row of ended) {
      await this.#deps.audit.record({
        actorKind: 'system',
        action: 'alert.cleared',
        lockerId,
        data: { alertId: row.id, kind: row.type, by: 'end reported' },
      });
      await this.#announceChange(row);
    }
    return ended;
  }

  /** Web Push, off the device's path: a slow push service never holds back the next message. */
  #notify(view: AlertView, recipients: (AlertRecipient & { locale: Locale })[]): void {
    const policy = ALERT_POLICIES[view.kind];
    const facts = { lockerName: view.lockerName, data: view.data };
    for (const recipient of recipients) {
      const { title, body } = alertNotification(view.kind, facts, recipient.locale);
      const sending = this.#deps.push
        .notify(
          recipient.userId,
          {
            title,
            body,
            // A tap opens the locker's page (issue 10).
            url: `/casier/${encodeURIComponent(view.lockerId)}`,
            // Reminders of one open door replace each other on the phone; other alerts stack.
            tag: view.kind === 'door_left_open' ? `door-left-open-${view.lockerId}` : `alert-${view.id}`,
          },
          { ttlSeconds: policy.ttlSeconds, urgency: policy.urgency, purpose: 'alert' },
        )
        .then(
          () => {},
          (error: unknown) => this.#deps.logger.warn({ err: error, alertId: view.id }, 'alert push failed'),
        );
      this.#track(sending);
    }
  }

  async #announceChange(row: AlertRow): Promise<AlertView> {
    const view = await this.#view(row);
    this.#deps.bus.emit('alert.changed', { alert: view });
    this.#refreshGauge();
    return view;
  }

  #refreshGauge(): void {
    this.#track(
      this.#deps.alerts.countOpenByState().then(
        (counts) => {
          this.#deps.metrics.activeAlarms.set({ state: 'active' }, counts.active);
          this.#deps.metrics.activeAlarms.set({ state: 'acknowledged' }, counts.acknowledged);
        },
        (error: unknown) => this.#deps.logger.warn({ err: error }, 'could not count open alarms'),
      ),
    );
  }

  #track(work: Promise<void>): void {
    this.#sending.add(work);
    void work.finally(() => this.#sending.delete(work));
  }

  async #find(alertId: string): Promise<AlertRow> {
    const row = await this.#deps.alerts.findById(alertId);
    if (!row) throw NOT_FOUND;
    return row;
  }

  async #view(row: AlertRow, lockerName?: string): Promise<AlertView> {
    const name = lockerName ?? (await this.#deps.lockers.findWithSite(row.lockerId))?.locker.name ?? row.lockerId;
    return {
      id: row.id,
      lockerId: row.lockerId,
      lockerName: name,
      kind: row.type,
      severity: row.severity,
      state: row.state,
      data: row.data,
      raisedAt: row.createdAt.toISOString(),
      acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
      acknowledgedBy: row.acknowledgedBy,
      acknowledgedNote: row.acknowledgedNote,
      clearedAt: row.clearedAt?.toISOString() ?? null,
      clearedReason: row.clearedReason,
      clearedNote: row.clearedNote,
    };
  }
}
