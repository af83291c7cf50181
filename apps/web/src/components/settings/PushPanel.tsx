import { useEffect, useState } from 'preact/hooks';
import { messageFor } from '../../api/errorMessages';
import {
  disablePush,
  enablePush,
  fetchPushConfig,
  type PushConfig,
  type PushState,
  pushState,
  pushSupported,
} from '../../api/push';
import { defineMessages } from '../../i18n/messages';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: {
    off: 'Notifications désactivées sur cet appareil.',
    on: 'Notifications activées sur cet appareil.',
    turnedOn: 'Notifications activées : alertes de votre casier et rappel 10 minutes avant la fin.',
    turnedOff: 'Notifications désactivées.',
    hint: 'Les alertes de votre casier (intrusion, porte restée ouverte…) et un rappel 10 minutes avant la fin de votre réservation, même application fermée.',
    busy: 'Un instant…',
    disable: 'Désactiver les notifications sur cet appareil',
    enable: 'Activer les notifications sur cet appareil',
  },
  en: {
    off: 'Notifications off on this device.',
    on: 'Notifications on on this device.',
    turnedOn: 'Notifications on: your locker’s alerts and a reminder 10 minutes before the end.',
    turnedOff: 'Notifications off.',
    hint: 'Your locker’s alerts (intrusion, door left open…) and a reminder 10 minutes before your booking ends, even with the app closed.',
    busy: 'One moment…',
    disable: 'Turn notifications off on this device',
    enable: 'Turn notifications on on this device',
  },
});

interface PushPanelProps {
  onSessionLost(): void;
}

function stateLine(state: PushState): string {
  switch (state) {
    case 'unsupported':
      return messageFor('push_unsupported');
    case 'denied':
      return messageFor('push_denied');
    case 'off':
      return text().off;
    case 'on':
      return text().on;
  }
}

/** "Notifications": booking reminders by Web Push, switched on or off per device. */
export function PushPanel({ onSessionLost }: PushPanelProps) {
  const [state, setState] = useState<PushState | null>(null);
  const [config, setConfig] = useState<PushConfig | null>(null);
  const action = useAccountAction(onSessionLost);
  const t = text();

  async function refresh(): Promise<void> {
    try {
      setState(await pushState());
    } catch (error) {
      console.warn('push: could not read the subscription state', error);
      setState('unsupported');
    }
  }

  useEffect(() => {
    void refresh();
    // Known in advance, the configuration lets a click open the permission prompt at once.
    if (pushSupported()) {
      fetchPushConfig().then(setConfig, (error: unknown) => console.info('push: configuration not loaded', error));
    }
  }, []);

  async function toggle() {
    const turningOn = state !== 'on';
    await action.run(async () => {
      if (turningOn) await enablePush(config ?? undefined);
      else await disablePush();
      return turningOn ? text().turnedOn : text().turnedOff;
    });
    // A refused prompt changes the permission: show what the browser now says, success or not.
    await refresh();
  }

  const serverOff = config !== null && !config.enabled;
  const usable = state === 'on' || state === 'off';
  return (
    <div class="settings-actions" data-testid="push-panel">
      <p class="settings-form__hint">{t.hint}</p>
      {state !== null && (
        <p class="settings-form__hint" role="status" data-testid="push-state" data-state={state}>
          {stateLine(state)}
        </p>
      )}
      {serverOff && state === 'off' && <p class="settings-form__hint">{messageFor('push_disabled')}</p>}
      <FormStatus error={action.error} done={action.done} testId="push" />
      <button
        type="button"
        class="btn btn--ghost btn--block"
        data-testid="push-toggle"
        aria-pressed={state === 'on'}
        onClick={() => void toggle()}
        disabled={action.busy || !usable || (serverOff && state === 'off')}
      >
        {action.busy ? t.busy : state === 'on' ? t.disable : t.enable}
      </button>
    </div>
  );
}
