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
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

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
      return 'Rappels désactivés sur cet appareil.';
    case 'on':
      return 'Rappels activés sur cet appareil.';
  }
}

/** "Notifications": booking reminders by Web Push, switched on or off per device. */
export function PushPanel({ onSessionLost }: PushPanelProps) {
  const [state, setState] = useState<PushState | null>(null);
  const [config, setConfig] = useState<PushConfig | null>(null);
  const action = useAccountAction(onSessionLost);

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
      return turningOn ? 'Rappels activés : vous serez prévenu 10 minutes avant la fin.' : 'Rappels désactivés.';
    });
    // A refused prompt changes the permission: show what the browser now says, success or not.
    await refresh();
  }

  const serverOff = config !== null && !config.enabled;
  const usable = state === 'on' || state === 'off';
  return (
    <div class="settings-actions" data-testid="push-panel">
      <p class="settings-form__hint">
        Un rappel 10 minutes avant la fin de votre réservation, même application fermée.
      </p>
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
        {action.busy
          ? 'Un instant…'
          : state === 'on'
            ? 'Désactiver les rappels sur cet appareil'
            : 'Activer les rappels sur cet appareil'}
      </button>
    </div>
  );
}
