import { useEffect, useState } from 'preact/hooks';
import { type AlertKind, alertsApi, type NotificationPreference } from '../../api/alerts';
import { alertKindName } from '../../i18n/alertLabels';
import { defineMessages } from '../../i18n/messages';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: {
    title: 'Alertes que vous recevez',
    hint: 'Décochez une alerte pour ne plus la recevoir sur vos appareils. Elle reste visible dans l’application.',
    always: 'toujours notifiée',
    saved: (name: string, on: boolean) => (on ? `${name} : notifiée.` : `${name} : plus notifiée.`),
    loading: 'Chargement…',
  },
  en: {
    title: 'Alerts you receive',
    hint: 'Untick an alert to stop receiving it on your devices. It stays visible in the app.',
    always: 'always notified',
    saved: (name: string, on: boolean) => (on ? `${name}: notified.` : `${name}: no longer notified.`),
    loading: 'Loading…',
  },
});

interface NotificationPanelProps {
  onSessionLost(): void;
}

/**
 * Settings → which alerts reach this person's phones (issue 10). An intrusion at their own locker
 * cannot be unticked (SPEC §8).
 */
export function NotificationPanel({ onSessionLost }: NotificationPanelProps) {
  const [preferences, setPreferences] = useState<NotificationPreference[] | null>(null);
  const action = useAccountAction(onSessionLost);
  const t = text();

  // Once, on opening Settings (the action's callbacks change with every render of the screen).
  const { run } = action;
  // biome-ignore lint/correctness/useExhaustiveDependencies: loaded once per mount, not once per render.
  useEffect(() => {
    void run(async () => {
      setPreferences(await alertsApi.preferences());
      return null;
    });
  }, []);

  async function toggle(kind: AlertKind, notified: boolean) {
    await action.run(async () => {
      setPreferences(await alertsApi.setMuted(kind, !notified));
      return text().saved(alertKindName(kind), notified);
    });
  }

  return (
    <fieldset class="settings-form notification-prefs" data-testid="notification-panel">
      <legend class="settings-form__label">{t.title}</legend>
      <p class="settings-form__hint">{t.hint}</p>
      {preferences === null ? (
        <p class="settings-form__hint">{t.loading}</p>
      ) : (
        <ul class="notification-prefs__list">
          {preferences.map((preference) => (
            <li key={preference.kind} class="notification-prefs__item">
              <label class="checkbox">
                <input
                  type="checkbox"
                  data-testid={`notify-${preference.kind}`}
                  checked={!preference.muted}
                  disabled={!preference.mutable || action.busy}
                  onChange={(event) => void toggle(preference.kind, event.currentTarget.checked)}
                />
                <span>
                  {alertKindName(preference.kind)}
                  {!preference.mutable && <span class="notification-prefs__always"> — {t.always}</span>}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      <FormStatus error={action.error} done={action.done} testId="notification" />
    </fieldset>
  );
}
