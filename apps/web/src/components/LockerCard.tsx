import type { ComponentChildren } from 'preact';
import type { LockerView } from '../api/types';
import { formatClock } from '../i18n/format';
import { lockerTypeLabel } from '../i18n/lockerLabels';
import { defineMessages } from '../i18n/messages';
import { LockerFactTiles } from './LockerFactTiles';
import { OnlineBadge } from './OnlineBadge';

const text = defineMessages({
  fr: {
    lockdown: 'Verrouillage de sécurité',
    lockdownText: "Tentatives d'intrusion détectées : les ouvertures sont bloquées quelques minutes.",
    lockdownUntil: (time: string) => `Tentatives d'intrusion détectées : les ouvertures sont bloquées jusqu'à ${time}.`,
  },
  en: {
    lockdown: 'Security lockdown',
    lockdownText: 'Intrusion attempts detected: openings are blocked for a few minutes.',
    lockdownUntil: (time: string) => `Intrusion attempts detected: openings are blocked until ${time}.`,
  },
});

interface LockerCardProps {
  locker: LockerView;
  /** Actions shown under the state (Premium notice, open button). */
  children?: ComponentChildren;
}

/** The paired locker: identity, connectivity and physical state. */
export function LockerCard({ locker, children }: LockerCardProps) {
  const t = text();
  return (
    <section
      class={`frame locker ${locker.online ? 'frame--active' : 'frame--dim'}`}
      data-testid="locker-card"
      data-locker-id={locker.id}
      aria-labelledby="locker-name"
    >
      <header class="locker__head">
        <div class="locker__identity">
          <span class={`chip chip--${locker.type}`} data-testid="locker-type" data-state={locker.type}>
            {lockerTypeLabel(locker.type)}
          </span>
          <h2 class="locker__name" id="locker-name">
            {locker.name}
          </h2>
          <p class="locker__meta">
            <span data-testid="locker-id">{locker.id}</span>
            {locker.siteName && <span> · {locker.siteName}</span>}
          </p>
        </div>
        <OnlineBadge online={locker.online} />
      </header>

      {locker.lockdown && (
        <p class="notice notice--alert" data-testid="lockdown" role="alert">
          <strong class="notice__title">{t.lockdown}</strong>
          {locker.lockdownUntil ? t.lockdownUntil(formatClock(locker.lockdownUntil)) : t.lockdownText}
        </p>
      )}

      <div class="locker__tiles">
        <LockerFactTiles locker={locker} testIds={{ door: 'door-state', lock: 'lock-state', object: 'object-state' }} />
      </div>

      {children}
    </section>
  );
}
