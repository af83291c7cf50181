/**
 * Alerts and alarms (SPEC §8, issue 10): what each kind of alert is, who is told, how urgently,
 * and how it ends. Pure rules; the server stores the records, the push service carries them.
 *
 * The model follows industrial alarm practice (ISA-18.2): a *sustained* condition (a lockdown, a
 * door left open, a locker offline, a stuck relay) is an alarm that returns to normal by itself
 * when the device reports its end, and may be acknowledged meanwhile; a *momentary* one (an
 * intrusion, an unknown badge) has no end of its own, so it stays active until an administrator
 * acknowledges it, which closes it. *Notices* (lockdown ended, back online, open not confirmed)
 * are told and recorded, but are never open alarms.
 */
export const ALERT_KINDS = [
  'intrusion',
  'lockdown',
  'lockdown_ended',
  'door_left_open',
  'door_left_open_escalated',
  'open_not_confirmed',
  'unknown_badge',
  'relay_fault',
  'locker_offline',
  'locker_online',
  // The device side's threats (issue 14, docs/threat-model.md): for administrators only.
  'device_acl_violation',
  'impersonation',
  'forged_command',
  'replayed_command',
  'broker_auth_failures',
  'clock_skew',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type AlertSeverity = 'info' | 'warning' | 'critical';
export type AlertState = 'active' | 'acknowledged' | 'cleared';
/** RFC 8030 §5.3 urgency of the Web Push message. */
export type PushUrgency = 'very-low' | 'low' | 'normal' | 'high';

export type AlertNature = 'sustained' | 'momentary' | 'notice';

export interface AlertPolicy {
  severity: AlertSeverity;
  nature: AlertNature;
  /** Who hears it: the locker's current user, every administrator. */
  audience: { owner: boolean; admins: boolean };
  urgency: PushUrgency;
  /** How long a push service may keep the message for a phone that is off (RFC 8030 §5.2). */
  ttlSeconds: number;
  /** Whether the locker's current user may mute it in Settings (SPEC §8: not an intrusion). */
  ownerMayMute: boolean;
  /** The notice that ends this alarm when the device (or the server) reports it. */
  endedBy: AlertKind | null;
}

const HOUR_S = 3_600;

export const ALERT_POLICIES: Readonly<Record<AlertKind, AlertPolicy>> = {
  intrusion: {
    severity: 'critical',
    nature: 'momentary',
    audience: { owner: true, admins: true },
    urgency: 'high',
    ttlSeconds: HOUR_S,
    ownerMayMute: false,
    endedBy: null,
  },
  lockdown: {
    severity: 'critical',
    nature: 'sustained',
    audience: { owner: true, admins: true },
    urgency: 'high',
    ttlSeconds: HOUR_S,
    ownerMayMute: true,
    endedBy: 'lockdown_ended',
  },
  lockdown_ended: {
    severity: 'info',
    nature: 'notice',
    audience: { owner: true, admins: true },
    urgency: 'normal',
    ttlSeconds: HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  door_left_open: {
    severity: 'warning',
    nature: 'sustained',
    audience: { owner: true, admins: false },
    urgency: 'normal',
    // A reminder is worth nothing once the next one is due (30 s later) or the door is shut.
    ttlSeconds: 5 * 60,
    ownerMayMute: true,
    endedBy: null,
  },
  door_left_open_escalated: {
    severity: 'critical',
    nature: 'sustained',
    audience: { owner: true, admins: true },
    urgency: 'high',
    ttlSeconds: HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  open_not_confirmed: {
    severity: 'warning',
    nature: 'notice',
    audience: { owner: true, admins: false },
    urgency: 'normal',
    ttlSeconds: 10 * 60,
    ownerMayMute: true,
    endedBy: null,
  },
  unknown_badge: {
    severity: 'warning',
    nature: 'momentary',
    audience: { owner: false, admins: true },
    urgency: 'normal',
    ttlSeconds: HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  relay_fault: {
    severity: 'critical',
    nature: 'sustained',
    audience: { owner: false, admins: true },
    urgency: 'high',
    ttlSeconds: 4 * HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  locker_offline: {
    severity: 'warning',
    nature: 'sustained',
    audience: { owner: false, admins: true },
    urgency: 'normal',
    ttlSeconds: 4 * HOUR_S,
    ownerMayMute: true,
    endedBy: 'locker_online',
  },
  locker_online: {
    severity: 'info',
    nature: 'notice',
    audience: { owner: false, admins: true },
    urgency: 'normal',
    ttlSeconds: HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  device_acl_violation: {
    severity: 'critical',
    nature: 'momentary',
    audience: { owner: false, admins: true },
    urgency: 'high',
    ttlSeconds: 4 * HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  impersonation: {
    severity: 'critical',
    nature: 'momentary',
    audience: { owner: false, admins: true },
    urgency: 'high',
    ttlSeconds: 4 * HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  forged_command: {
    severity: 'critical',
    nature: 'momentary',
    audience: { owner: false, admins: true },
    urgency: 'high',
    ttlSeconds: 4 * HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  replayed_command: {
    severity: 'warning',
    nature: 'momentary',
    audience: { owner: false, admins: true },
    urgency: 'normal',
    ttlSeconds: 4 * HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  broker_auth_failures: {
    severity: 'warning',
    nature: 'momentary',
    audience: { owner: false, admins: true },
    urgency: 'normal',
    ttlSeconds: 4 * HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
  clock_skew: {
    severity: 'warning',
    nature: 'momentary',
    audience: { owner: false, admins: true },
    urgency: 'normal',
    ttlSeconds: 4 * HOUR_S,
    ownerMayMute: true,
    endedBy: null,
  },
};

/** What the server sees of an attack on a locker or the broker, as alerts (issue 14). */
export const SECURITY_ALERT_KINDS = [
  'device_acl_violation',
  'impersonation',
  'forged_command',
  'replayed_command',
  'broker_auth_failures',
  'clock_skew',
] as const satisfies readonly AlertKind[];
export type SecurityAlertKind = (typeof SECURITY_ALERT_KINDS)[number];

export function isAlertKind(value: string): value is AlertKind {
  return (ALERT_KINDS as readonly string[]).includes(value);
}

/** A new record's state: notices are recorded as already over, alarms start active. */
export function initialAlertState(kind: AlertKind): AlertState {
  return ALERT_POLICIES[kind].nature === 'notice' ? 'cleared' : 'active';
}

export type AlertTransition =
  | { ok: true; next: AlertState; closes: boolean }
  | { ok: false; refusal: 'already_acknowledged' | 'already_cleared' };

/**
 * An administrator acknowledges an alarm (with a note): a momentary one is thereby closed, a
 * sustained one stays open until its condition ends.
 */
export function acknowledgeAlert(kind: AlertKind, state: AlertState): AlertTransition {
  if (state === 'cleared') return { ok: false, refusal: 'already_cleared' };
  if (state === 'acknowledged') return { ok: false, refusal: 'already_acknowledged' };
  const closes = ALERT_POLICIES[kind].nature !== 'sustained';
  return { ok: true, next: closes ? 'cleared' : 'acknowledged', closes };
}

/** An administrator clears an alarm by hand, or its end is reported: from any open state. */
export function clearAlert(state: AlertState): AlertTransition {
  if (state === 'cleared') return { ok: false, refusal: 'already_cleared' };
  return { ok: true, next: 'cleared', closes: true };
}

/** The alarms a notice (or an end event) closes on the same locker. */
export function alarmsEndedBy(kind: AlertKind): AlertKind[] {
  return ALERT_KINDS.filter((candidate) => ALERT_POLICIES[candidate].endedBy === kind);
}

/** The kinds a person may hear of, and for each whether they may mute it. */
export function notificationChoices(role: 'user' | 'admin'): { kind: AlertKind; mutable: boolean }[] {
  return ALERT_KINDS.flatMap((kind) => {
    const { audience, ownerMayMute } = ALERT_POLICIES[kind];
    if (role === 'admin' && audience.admins) return [{ kind, mutable: true }];
    if (audience.owner) return [{ kind, mutable: ownerMayMute }];
    return [];
  });
}

export interface AlertAudienceInput {
  kind: AlertKind;
  /** The locker's current user (the member of a sport session, the holder of the running booking). */
  ownerId: string | null;
  adminIds: readonly string[];
  /** `${userId}:${kind}` for every kind someone muted. */
  mutes: ReadonlySet<string>;
}

export interface AlertRecipient {
  userId: string;
  as: 'owner' | 'admin';
}

export const muteKey = (userId: string, kind: AlertKind): string => `${userId}:${kind}`;

/**
 * Who receives a push for this alert: the owner unless they muted a kind they may mute, and every
 * administrator who did not mute it. A person who is both hears it once, as the owner (so an
 * administrator's own locker cannot be muted out of an intrusion either).
 */
export function alertRecipients(input: AlertAudienceInput): AlertRecipient[] {
  const { audience, ownerMayMute } = ALERT_POLICIES[input.kind];
  const recipients: AlertRecipient[] = [];
  const muted = (userId: string) => input.mutes.has(muteKey(userId, input.kind));
  if (audience.owner && input.ownerId && !(ownerMayMute && muted(input.ownerId))) {
    recipients.push({ userId: input.ownerId, as: 'owner' });
  }
  if (audience.admins) {
    for (const adminId of new Set(input.adminIds)) {
      if (adminId === input.ownerId && audience.owner) continue;
      if (!muted(adminId)) recipients.push({ userId: adminId, as: 'admin' });
    }
  }
  return recipients;
}
