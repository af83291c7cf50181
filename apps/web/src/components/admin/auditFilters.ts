import { ACTOR_KINDS, type AuditQuery, DEFAULT_AUDIT_QUERY } from '../../api/admin';

/**
 * The audit filter as the form holds it (calendar days, as typed) and as the API reads it (ISO
 * instants): a day runs from its midnight to the next one, on the browser's clock.
 */
export interface AuditForm {
  action: string;
  actorKind: string;
  lockerId: string;
  fromDay: string;
  toDay: string;
}

export const EMPTY_AUDIT_FORM: AuditForm = { action: '', actorKind: '', lockerId: '', fromDay: '', toDay: '' };

function localMidnight(day: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The instant a calendar day starts, on the browser's clock; '' when the day is not one. */
export function dayStartIso(day: string): string {
  return localMidnight(day)?.toISOString() ?? '';
}

/** The instant a calendar day ends (the next midnight), on the browser's clock. */
export function dayEndIso(day: string): string {
  const start = localMidnight(day);
  if (!start) return '';
  return new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1).toISOString();
}

/** The API's filter from the form: an action lower-cased, a locker id upper-cased, days as instants. */
export function auditQueryFrom(form: AuditForm, limit = DEFAULT_AUDIT_QUERY.limit): AuditQuery {
  const kind = (ACTOR_KINDS as readonly string[]).includes(form.actorKind)
    ? (form.actorKind as AuditQuery['actorKind'])
    : '';
  return {
    ...DEFAULT_AUDIT_QUERY,
    action: form.action.trim().toLowerCase(),
    actorKind: kind,
    lockerId: form.lockerId.trim().toUpperCase(),
    from: dayStartIso(form.fromDay),
    to: dayEndIso(form.toDay),
    limit,
  };
}

/** An entry's data on one line, shortened for the list (the CSV export has it whole). */
export function auditDataSummary(data: Record<string, unknown>, max = 140): string {
  const entries = Object.entries(data);
  if (entries.length === 0) return '';
  const line = entries
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
