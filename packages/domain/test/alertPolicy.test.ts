import { describe, expect, it } from 'vitest';
import {
  ALERT_KINDS,
  ALERT_POLICIES,
  acknowledgeAlert,
  alarmsEndedBy,
  alertRecipients,
  clearAlert,
  initialAlertState,
  muteKey,
  notificationChoices,
} from '../src/alerts/alertPolicy';

describe('who hears which alert (issue 10)', () => {
  const admins = ['admin-1', 'admin-2'];
  const none = new Set<string>();
  const hear = (kind: (typeof ALERT_KINDS)[number], mutes = none, ownerId: string | null = 'owner') =>
    alertRecipients({ kind, ownerId, adminIds: admins, mutes }).map((r) => `${r.as}:${r.userId}`);

  it('routes each kind as the issue says', () => {
    expect(hear('intrusion')).toEqual(['owner:owner', 'admin:admin-1', 'admin:admin-2']);
    expect(hear('lockdown')).toEqual(['owner:owner', 'admin:admin-1', 'admin:admin-2']);
    expect(hear('door_left_open')).toEqual(['owner:owner']);
    expect(hear('door_left_open_escalated')).toEqual(['owner:owner', 'admin:admin-1', 'admin:admin-2']);
    expect(hear('locker_offline')).toEqual(['admin:admin-1', 'admin:admin-2']);
    expect(hear('locker_online')).toEqual(['admin:admin-1', 'admin:admin-2']);
    expect(hear('relay_fault')).toEqual(['admin:admin-1', 'admin:admin-2']);
    expect(hear('unknown_badge')).toEqual(['admin:admin-1', 'admin:admin-2']);
    expect(hear('open_not_confirmed')).toEqual(['owner:owner']);
  });

  it('sends intrusions and lockdowns with high urgency and a TTL', () => {
    for (const kind of ['intrusion', 'lockdown'] as const) {
      expect(ALERT_POLICIES[kind].urgency).toBe('high');
      expect(ALERT_POLICIES[kind].ttlSeconds).toBeGreaterThan(0);
    }
  });

  it('lets a person mute what they may, but never an intrusion to the owner', () => {
    const mutes = new Set([
      muteKey('owner', 'intrusion'),
      muteKey('owner', 'lockdown'),
      muteKey('admin-1', 'intrusion'),
    ]);
    expect(hear('intrusion', mutes)).toEqual(['owner:owner', 'admin:admin-2']);
    expect(hear('lockdown', mutes)).toEqual(['admin:admin-1', 'admin:admin-2']);
  });

  it('tells nobody as the owner when the locker has no current user', () => {
    expect(hear('door_left_open', none, null)).toEqual([]);
    expect(hear('intrusion', none, null)).toEqual(['admin:admin-1', 'admin:admin-2']);
  });

  it('tells an administrator who is also the owner once, as the owner', () => {
    expect(
      alertRecipients({ kind: 'intrusion', ownerId: 'admin-1', adminIds: admins, mutes: none }).map((r) => r.as),
    ).toEqual(['owner', 'admin']);
    expect(
      alertRecipients({ kind: 'intrusion', ownerId: 'admin-1', adminIds: admins, mutes: none }).map((r) => r.userId),
    ).toEqual(['admin-1', 'admin-2']);
  });

  it('offers each person the kinds they may hear, the owner intrusion locked', () => {
    const user = notificationChoices('user');
    expect(user.map((c) => c.kind)).toEqual([
      'intrusion',
      'lockdown',
      'lockdown_ended',
      'door_left_open',
      'door_left_open_escalated',
      'open_not_confirmed',
    ]);
    expect(user.find((c) => c.kind === 'intrusion')?.mutable).toBe(false);
    // An administrator may also hold a locker, so hears every kind; muting stops only what they hear as an administrator.
    expect(notificationChoices('admin')).toHaveLength(ALERT_KINDS.length);
    expect(notificationChoices('admin').every((c) => c.mutable)).toBe(true);
  });
});

describe('alarm states', () => {
  it('starts alarms active and notices already over', () => {
    expect(initialAlertState('intrusion')).toBe('active');
    expect(initialAlertState('locker_offline')).toBe('active');
    expect(initialAlertState('lockdown_ended')).toBe('cleared');
    expect(initialAlertState('locker_online')).toBe('cleared');
  });

  it('closes a momentary alarm when acknowledged, keeps a sustained one open until it ends', () => {
    expect(acknowledgeAlert('intrusion', 'active')).toEqual({ ok: true, next: 'cleared', closes: true });
    expect(acknowledgeAlert('lockdown', 'active')).toEqual({ ok: true, next: 'acknowledged', closes: false });
    expect(acknowledgeAlert('lockdown', 'acknowledged')).toEqual({ ok: false, refusal: 'already_acknowledged' });
    expect(acknowledgeAlert('lockdown', 'cleared')).toEqual({ ok: false, refusal: 'already_cleared' });
    expect(clearAlert('acknowledged')).toEqual({ ok: true, next: 'cleared', closes: true });
    expect(clearAlert('cleared')).toEqual({ ok: false, refusal: 'already_cleared' });
  });

  it('knows which notice ends which alarm', () => {
    expect(alarmsEndedBy('lockdown_ended')).toEqual(['lockdown']);
    expect(alarmsEndedBy('locker_online')).toEqual(['locker_offline']);
    expect(alarmsEndedBy('intrusion')).toEqual([]);
  });
});
