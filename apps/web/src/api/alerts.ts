import { createHttp, type FetchLike } from './client';
import type { LockerView } from './types';

/**
 * Alerts, alarms and notification settings (issue 10), as the web app consumes them: the shapes of
 * /api/me/notifications, /api/admin/alarms and the `alarm` / `fleet-locker` SSE events.
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
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export type AlarmState = 'active' | 'acknowledged' | 'cleared';

export function isAlertKind(value: unknown): value is AlertKind {
  return typeof value === 'string' && (ALERT_KINDS as readonly string[]).includes(value);
}

/** One alert as administrators see it (GET /api/admin/alarms, SSE `alarm`). */
export interface AlarmView {
  id: string;
  lockerId: string;
  lockerName: string;
  kind: AlertKind;
  severity: 'info' | 'warning' | 'critical';
  state: AlarmState;
  data: Record<string, unknown>;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedNote: string | null;
  clearedAt: string | null;
  clearedReason: string | null;
  clearedNote: string | null;
}

/** One line of Settings → Notifications. */
export interface NotificationPreference {
  kind: AlertKind;
  muted: boolean;
  /** False for an intrusion at one's own locker (SPEC §8): always told. */
  mutable: boolean;
}

/** A locker as an administrator's locker page shows it. */
export interface AdminLockerPage {
  locker: LockerView;
  alarms: AlarmView[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const STATES: ReadonlySet<unknown> = new Set(['active', 'acknowledged', 'cleared']);
const SEVERITIES: ReadonlySet<unknown> = new Set(['info', 'warning', 'critical']);
const nullableString = (value: unknown): value is string | null => value === null || typeof value === 'string';

/** Reads an alarm from the server (SSE payloads are untrusted input): undefined when malformed. */
export function readAlarm(value: unknown): AlarmView | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.lockerId !== 'string') return undefined;
  if (!isAlertKind(value.kind) || !STATES.has(value.state) || !SEVERITIES.has(value.severity)) return undefined;
  if (typeof value.raisedAt !== 'string' || typeof value.lockerName !== 'string') return undefined;
  const optional = [
    'acknowledgedAt',
    'acknowledgedBy',
    'acknowledgedNote',
    'clearedAt',
    'clearedReason',
    'clearedNote',
  ];
  if (!optional.every((key) => nullableString(value[key] ?? null))) return undefined;
  return {
    id: value.id,
    lockerId: value.lockerId,
    lockerName: value.lockerName,
    kind: value.kind,
    severity: value.severity as AlarmView['severity'],
    state: value.state as AlarmState,
    data: isRecord(value.data) ? value.data : {},
    raisedAt: value.raisedAt,
    acknowledgedAt: (value.acknowledgedAt as string | null) ?? null,
    acknowledgedBy: (value.acknowledgedBy as string | null) ?? null,
    acknowledgedNote: (value.acknowledgedNote as string | null) ?? null,
    clearedAt: (value.clearedAt as string | null) ?? null,
    clearedReason: (value.clearedReason as string | null) ?? null,
    clearedNote: (value.clearedNote as string | null) ?? null,
  };
}

/** The open alarms after one arrived or changed: newest first, a cleared one removed. */
export function mergeAlarm(alarms: readonly AlarmView[], alarm: AlarmView): AlarmView[] {
  const others = alarms.filter((a) => a.id !== alarm.id);
  if (alarm.state === 'cleared') return others;
  return [alarm, ...others].sort((a, b) => b.raisedAt.localeCompare(a.raisedAt));
}

export function createAlertsApi(fetchImpl?: FetchLike) {
  const { json } = createHttp(fetchImpl);
  return {
    preferences: async () =>
      (await json<{ preferences: NotificationPreference[] }>('GET', '/api/me/notifications')).preferences,
    setMuted: async (kind: AlertKind, muted: boolean) =>
      (await json<{ preferences: NotificationPreference[] }>('PUT', `/api/me/notifications/${kind}`, { muted }))
        .preferences,
    alarms: async (lockerId?: string) =>
      (
        await json<{ alarms: AlarmView[] }>(
          'GET',
          lockerId ? `/api/admin/alarms?lockerId=${encodeURIComponent(lockerId)}` : '/api/admin/alarms',
        )
      ).alarms,
    acknowledge: async (id: string, note: string) =>
      (await json<{ alarm: AlarmView }>('POST', `/api/admin/alarms/${id}/acknowledge`, note ? { note } : {})).alarm,
    clear: async (id: string, note: string) =>
      (await json<{ alarm: AlarmView }>('POST', `/api/admin/alarms/${id}/clear`, note ? { note } : {})).alarm,
    locker: (lockerId: string) => json<AdminLockerPage>('GET', `/api/admin/lockers/${encodeURIComponent(lockerId)}`),
    resetLockdown: (lockerId: string) =>
      json<{ commandId: string; reset: true }>(
        'POST',
        `/api/admin/lockers/${encodeURIComponent(lockerId)}/reset-lockdown`,
      ),
  };
}

export const alertsApi = createAlertsApi();
