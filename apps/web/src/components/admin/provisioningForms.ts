import type { LockerType, NewLockerInput, SiteInput } from '../../api/admin';
import { centsFromEuros } from './priceInput';

/**
 * Checks of the provisioning forms, before anything is sent: each problem is a stable key the
 * form words in the current language. The server checks again (and has the last word).
 */

export const LOCKER_ID_PATTERN = /^[A-Z0-9][A-Z0-9_-]{0,63}$/;

export function isIanaTimeZone(zone: string): boolean {
  if (!zone.trim() || !zone.includes('/')) return zone === 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type SiteProblem = 'name' | 'timeZone';

export function siteProblems(input: SiteInput): SiteProblem[] {
  const problems: SiteProblem[] = [];
  if (!input.name.trim() || input.name.trim().length > 120) problems.push('name');
  if (!isIanaTimeZone(input.timeZone.trim())) problems.push('timeZone');
  return problems;
}

/** `SL-` and the id with `_` as `-`: the code the server would choose (LockerProvisioning). */
export function suggestedPairingCode(id: string): string {
  return id ? `SL-${id.toUpperCase().replaceAll('_', '-')}` : '';
}

export interface LockerForm {
  id: string;
  siteId: string;
  type: LockerType;
  name: string;
  location: string;
  pairingCode: string;
  /** Euros as typed; school lockers only. */
  price: string;
}

export type LockerProblem = 'id' | 'siteId' | 'name' | 'pairingCode' | 'price';

export type LockerFormResult = { ok: true; input: NewLockerInput } | { ok: false; problems: LockerProblem[] };

export function readLockerForm(form: LockerForm): LockerFormResult {
  const problems: LockerProblem[] = [];
  const id = form.id.trim().toUpperCase();
  if (!LOCKER_ID_PATTERN.test(id)) problems.push('id');
  if (!form.siteId) problems.push('siteId');
  const name = form.name.trim();
  if (!name || name.length > 80) problems.push('name');
  const pairingCode = (form.pairingCode.trim() || suggestedPairingCode(id)).toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9_-]{0,63}$/.test(pairingCode)) problems.push('pairingCode');
  let hourlyPriceCents: number | undefined;
  if (form.type === 'school' && form.price.trim() !== '') {
    const cents = centsFromEuros(form.price);
    if (cents === null) problems.push('price');
    else hourlyPriceCents = cents;
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    input: {
      id,
      siteId: form.siteId,
      type: form.type,
      name,
      location: form.location.trim(),
      pairingCode,
      ...(hourlyPriceCents === undefined ? {} : { hourlyPriceCents }),
    },
  };
}
