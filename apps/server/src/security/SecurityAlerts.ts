import { ALERT_POLICIES, type SecurityAlertKind } from '@smartlocker/domain';
import type { AlertService } from '../alerts/AlertService';
import type { BrokerDenial } from '../broker/embeddedBroker';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';

/**
 * The device side's threats as the server sees them (docs/threat-model.md); the kinds and their
 * policy are the domain's (`SECURITY_ALERT_KINDS`):
 * - `device_acl_violation`: a locker's broker account tried to publish or subscribe outside its
 *   own topics (a command, another locker's state): its credentials are being misused.
 * - `impersonation`: a message on a locker's topic names another locker in its payload.
 * - `forged_command`: a locker refused a command as `bad_signature` or `wrong_locker`: someone
 *   who can publish on its `cmd` topic sent a command the server did not sign for it.
 * - `replayed_command`: a locker saw again a command id it had already carried out.
 * - `broker_auth_failures`: repeated failed broker log-ins with a locker's id (guessing).
 * - `clock_skew`: not an attack, but what makes a locker refuse every fresh command.
 */
export type SecurityAlertType = SecurityAlertKind;

/** A locker retrying with a stale secret fails a few times; ten within the window is guessing. */
const AUTH_FAILURES_BEFORE_ALERT = 10;

export interface SecurityAlertsOptions {
  alerts: Pick<AlertService, 'onSecurityEvent'>;
  logger: Logger;
  metrics: Metrics;
  /** One alert per (locker, type) within this window; later occurrences are counted and logged. */
  windowMs?: number;
  now?: () => number;
}

/**
 * Raises the alerts of the device side's threats through the AlertService (recorded, audited,
 * shown live and pushed to the administrators), once per (locker, type) per window so that an
 * attacker flooding the broker floods neither the alerts nor the administrators' phones; every
 * occurrence is still counted (`smartlocker_security_events_total`) and logged.
 */
export class SecurityAlerts {
  readonly #options: SecurityAlertsOptions;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #lastRaised = new Map<string, number>();
  /** Failed broker log-ins per claimed locker id, within the window. */
  readonly #authFailures = new Map<string, number[]>();

  constructor(options: SecurityAlertsOptions) {
    this.#options = options;
    this.#windowMs = options.windowMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * A refusal by the embedded broker: counted; a locker's account acting outside its topics is an
   * alert at once, failed log-ins with a locker's id only once they look like guessing.
   */
  brokerDenied(denial: BrokerDenial): void {
    this.#options.metrics.brokerDenied.inc({ action: denial.action, reason: denial.reason });
    if (!denial.lockerId) return;
    if (denial.action !== 'connect') {
      void this.raise(denial.lockerId, 'device_acl_violation', {
        action: denial.action,
        reason: denial.reason,
        topic: denial.topic?.slice(0, 200) ?? null,
      });
      return;
    }
    if (denial.reason !== 'bad_credentials') return;
    const now = this.#now();
    const recent = (this.#authFailures.get(denial.lockerId) ?? []).filter((t) => now - t < this.#windowMs);
    recent.push(now);
    this.#authFailures.set(denial.lockerId, recent);
    if (recent.length >= AUTH_FAILURES_BEFORE_ALERT) {
      void this.raise(denial.lockerId, 'broker_auth_failures', { failures: recent.length });
    }
  }

  /** Never throws: a failure to record an alert is logged, and the message handling goes on. */
  async raise(lockerId: string, type: SecurityAlertType, data: Record<string, unknown> = {}): Promise<void> {
    const { alerts, logger, metrics } = this.#options;
    metrics.securityEvents.inc({ type });
    const fields = { lockerId, type, ...data };
    if (ALERT_POLICIES[type].severity === 'critical') logger.error(fields, `security: ${type}`);
    else logger.warn(fields, `security: ${type}`);
    const key = `${lockerId}\u0000${type}`;
    const now = this.#now();
    const last = this.#lastRaised.get(key);
    if (last !== undefined && now - last < this.#windowMs) return;
    this.#lastRaised.set(key, now);
    try {
      // An alert belongs to a locker: for an id nobody provisioned the service records nothing,
      // and the count and the log are all there is.
      await alerts.onSecurityEvent(lockerId, type, data, new Date(now));
    } catch (error) {
      this.#lastRaised.delete(key);
      logger.error({ err: error, lockerId, type }, 'could not record a security alert');
    }
  }
}
