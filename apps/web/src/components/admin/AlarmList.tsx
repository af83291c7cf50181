import { useState } from 'preact/hooks';
import { type AlarmView, alertsApi } from '../../api/alerts';
import { asApiError } from '../../api/client';
import { messageForError } from '../../api/errorMessages';
import { alarmStateLabel, alertKindName } from '../../i18n/alertLabels';
import { formatDateTime } from '../../i18n/format';
import { defineMessages } from '../../i18n/messages';
import { FormError } from '../FormError';
import { TextField } from '../TextField';

const text = defineMessages({
  fr: {
    none: 'Aucune alarme en cours.',
    acknowledge: 'Prendre en charge',
    clear: 'Clore',
    note: 'Note (facultative)',
    noteFor: (name: string) => `Note pour « ${name} »`,
    by: (when: string) => `prise en charge ${when}`,
    open: 'Voir le casier',
  },
  en: {
    none: 'No alarm in progress.',
    acknowledge: 'Acknowledge',
    clear: 'Close',
    note: 'Note (optional)',
    noteFor: (name: string) => `Note for “${name}”`,
    by: (when: string) => `acknowledged ${when}`,
    open: 'Open the locker',
  },
});

interface AlarmListProps {
  alarms: readonly AlarmView[];
  /** The alarm as the server answered after an action (the live stream brings it too). */
  onChanged(alarm: AlarmView): void;
  onSessionLost(): void;
  /** Shown on each alarm when the list spans several lockers. */
  onOpenLocker?: (lockerId: string) => void;
}

/**
 * The alarms not over yet (issue 10), newest first: what, where, since when, and the two things
 * an administrator does — take it in hand (with a note), or close it.
 */
export function AlarmList({ alarms, onChanged, onSessionLost, onOpenLocker }: AlarmListProps) {
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const t = text();

  async function act(alarm: AlarmView, action: 'acknowledge' | 'clear') {
    setBusy(alarm.id);
    setError(null);
    try {
      const note = (notes[alarm.id] ?? '').trim();
      onChanged(
        action === 'acknowledge' ? await alertsApi.acknowledge(alarm.id, note) : await alertsApi.clear(alarm.id, note),
      );
      setNotes(({ [alarm.id]: _done, ...rest }) => rest);
    } catch (failure) {
      const apiError = asApiError(failure);
      if (apiError.code === 'unauthenticated') onSessionLost();
      else setError(messageForError(apiError));
    } finally {
      setBusy(null);
    }
  }

  if (alarms.length === 0) {
    return (
      <p class="settings-form__hint" data-testid="alarms-none">
        {t.none}
      </p>
    );
  }
  return (
    <>
      <FormError message={error} testId="alarm-error" />
      <ul class="alarm-list" aria-live="polite" data-testid="alarm-list">
        {alarms.map((alarm) => {
          const name = alertKindName(alarm.kind);
          return (
            <li
              key={alarm.id}
              class={`alarm alarm--${alarm.severity} alarm--${alarm.state}`}
              data-testid="alarm"
              data-kind={alarm.kind}
              data-state={alarm.state}
              data-locker-id={alarm.lockerId}
            >
              <div class="alarm__head">
                <strong class="alarm__kind">{name}</strong>
                <span class={`chip alarm__state alarm__state--${alarm.state}`}>{alarmStateLabel(alarm.state)}</span>
              </div>
              <p class="alarm__meta">
                {alarm.lockerName} · <time dateTime={alarm.raisedAt}>{formatDateTime(alarm.raisedAt)}</time>
                {alarm.acknowledgedAt && ` · ${t.by(formatDateTime(alarm.acknowledgedAt))}`}
              </p>
              {alarm.acknowledgedNote && <p class="alarm__note">« {alarm.acknowledgedNote} »</p>}
              <TextField
                label={t.noteFor(name)}
                name={`alarm-note-${alarm.id}`}
                value={notes[alarm.id] ?? ''}
                placeholder={t.note}
                onInput={(value) => setNotes((all) => ({ ...all, [alarm.id]: value }))}
                testId="alarm-note"
              />
              <div class="alarm__actions">
                {alarm.state === 'active' && (
                  <button
                    type="button"
                    class="btn btn--primary btn--small"
                    disabled={busy === alarm.id}
                    onClick={() => void act(alarm, 'acknowledge')}
                    data-testid="alarm-acknowledge"
                  >
                    {t.acknowledge}
                  </button>
                )}
                <button
                  type="button"
                  class="btn btn--ghost btn--small"
                  disabled={busy === alarm.id}
                  onClick={() => void act(alarm, 'clear')}
                  data-testid="alarm-clear"
                >
                  {t.clear}
                </button>
                {onOpenLocker && (
                  <button
                    type="button"
                    class="link-button"
                    onClick={() => onOpenLocker(alarm.lockerId)}
                    data-testid="alarm-open-locker"
                  >
                    {t.open}
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}
