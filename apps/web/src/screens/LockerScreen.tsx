import { useEffect, useRef, useState } from 'preact/hooks';
import { type AlarmView, alertsApi, mergeAlarm } from '../api/alerts';
import { asApiError } from '../api/client';
import { messageForError } from '../api/errorMessages';
import type { LockerView, Me } from '../api/types';
import { AlarmList } from '../components/admin/AlarmList';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { LockerFactTiles } from '../components/LockerFactTiles';
import { OnlineBadge } from '../components/OnlineBadge';
import { formatClock } from '../i18n/format';
import { lockerTypeLabel } from '../i18n/lockerLabels';
import { defineMessages } from '../i18n/messages';
import { useLiveEvents } from '../live/useLiveEvents';

const text = defineMessages({
  fr: {
    back: 'Retour',
    loading: 'Chargement du casier…',
    alarms: 'Alarmes en cours',
    lockdown: (time: string) => `Bloqué après plusieurs intrusions, jusqu’à ${time}.`,
    reset: 'Lever le blocage',
    resetting: 'Levée en cours…',
    resetDone: 'Blocage levé : le casier a confirmé.',
  },
  en: {
    back: 'Back',
    loading: 'Loading the locker…',
    alarms: 'Alarms in progress',
    lockdown: (time: string) => `Locked down after repeated intrusions, until ${time}.`,
    reset: 'Lift the lockdown',
    resetting: 'Lifting…',
    resetDone: 'Lockdown lifted: the locker confirmed.',
  },
});

interface LockerScreenProps {
  me: Me;
  lockerId: string;
  onBack(): void;
  onSessionLost(): void;
  onStreamRefused(): void;
}

/**
 * A locker's page for administrators (issue 10): where an alert's notification leads. Its live
 * state, a lockdown and the way to lift it, and the alarms to take in hand — all over the one
 * event stream, never polled. (A member's locker page is their home screen.)
 */
export function LockerScreen({ lockerId, onBack, onSessionLost, onStreamRefused }: LockerScreenProps) {
  const [locker, setLocker] = useState<LockerView | null>(null);
  const [alarms, setAlarms] = useState<AlarmView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [resetting, setResetting] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const t = text();

  useLiveEvents(`locker-page-${lockerId}`, {
    onLocker: () => {},
    onCommand: () => {},
    onFleetLocker: (view) => {
      if (view.id === lockerId) setLocker(view);
    },
    onAlarm: (alarm) => {
      if (alarm.lockerId === lockerId) setAlarms((all) => mergeAlarm(all, alarm));
    },
    onGaveUp: onStreamRefused,
  });

  const sessionLost = useRef(onSessionLost);
  sessionLost.current = onSessionLost;
  useEffect(() => {
    let current = true;
    alertsApi.locker(lockerId).then(
      (page) => {
        if (!current) return;
        setLocker(page.locker);
        setAlarms(page.alarms);
      },
      (failure: unknown) => {
        const apiError = asApiError(failure);
        if (apiError.code === 'unauthenticated') sessionLost.current();
        else if (current) setError(messageForError(apiError));
      },
    );
    return () => {
      current = false;
    };
  }, [lockerId]);

  async function reset() {
    setResetting(true);
    setError(null);
    setDone(null);
    try {
      await alertsApi.resetLockdown(lockerId);
      setDone(text().resetDone);
    } catch (failure) {
      const apiError = asApiError(failure);
      if (apiError.code === 'unauthenticated') onSessionLost();
      else setError(messageForError(apiError));
    } finally {
      setResetting(false);
    }
  }

  return (
    <div class="page locker-page" data-testid="locker-page" data-locker-id={lockerId}>
      <header class="app-header">
        <BrandMark />
        <button type="button" class="btn btn--ghost btn--small" onClick={onBack} data-testid="locker-page-back">
          {t.back}
        </button>
      </header>
      <main class="page__main">
        <FormError message={error} testId="locker-page-error" />
        {locker === null ? (
          !error && <p class="settings-form__hint">{t.loading}</p>
        ) : (
          <section class="frame frame--active" aria-labelledby="locker-page-title">
            <div class="locker-page__head">
              <span class={`chip chip--${locker.type}`}>{lockerTypeLabel(locker.type)}</span>
              <h1 class="section-title" id="locker-page-title">
                {locker.name}
              </h1>
              <OnlineBadge online={locker.online} />
            </div>
            <p class="settings-form__hint">
              {locker.id} · {locker.siteName}
            </p>
            <div class="locker__tiles" aria-live="polite">
              <LockerFactTiles
                locker={locker}
                testIds={{ door: 'locker-page-door', lock: 'locker-page-lock', object: 'locker-page-object' }}
              />
            </div>
            {locker.lockdown && (
              <div class="notice notice--alert" role="status" data-testid="locker-page-lockdown">
                {t.lockdown(locker.lockdownUntil ? formatClock(locker.lockdownUntil) : '—')}{' '}
                <button
                  type="button"
                  class="btn btn--primary btn--small"
                  onClick={() => void reset()}
                  disabled={resetting}
                  data-testid="locker-page-reset"
                >
                  {resetting ? t.resetting : t.reset}
                </button>
              </div>
            )}
            {done && (
              <p class="form-done" role="status" data-testid="locker-page-done">
                {done}
              </p>
            )}
          </section>
        )}
        <section class="frame" aria-labelledby="locker-page-alarms" data-testid="locker-page-alarms">
          <h2 class="section-title section-title--small" id="locker-page-alarms">
            {t.alarms}
          </h2>
          <AlarmList
            alarms={alarms}
            onChanged={(alarm) => setAlarms((all) => mergeAlarm(all, alarm))}
            onSessionLost={onSessionLost}
          />
        </section>
      </main>
    </div>
  );
}
