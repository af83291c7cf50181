import { useEffect, useState } from 'preact/hooks';
import { asApiError } from '../../api/client';
import { messageFor } from '../../api/errorMessages';
import { serverClock } from '../../api/serverClock';
import { type EndedSession, type SportSession, sessionsApi } from '../../api/sessions';
import type { LockerView } from '../../api/types';
import type { OpenCommand } from '../../live/useOpenCommand';
import { elapsedLabel } from './sessionFormat';
import './session.css';
import { defineMessages } from '../../i18n/messages';
import { openCommandStatus } from '../OpenControl';

const text = defineMessages({
  fr: {
    running: 'Session en cours',
    premiumOff: 'Premium inactif',
    graceUsed: 'Votre ouverture de secours a servi : terminez la session pour libérer le casier.',
    graceLeft: 'Vous pouvez encore ouvrir une fois pour reprendre vos affaires, puis terminer la session.',
    open: 'Ouvrir',
    ending: 'Fin…',
    end: 'Terminer',
    intro: "Démarrez une session : le casier s'ouvre, il reste à vous jusqu'à ce que vous la terminiez.",
    start: 'Démarrer une session',
    offline: 'Casier hors ligne : ouverture indisponible.',
    forgot: 'Vous avez oublié quelque chose ?',
    forgotText:
      'Le capteur voit encore un objet dans le casier. Une fois la session terminée, le casier passe au membre suivant.',
    cancel: 'Annuler',
    endAnyway: 'Terminer quand même',
  },
  en: {
    running: 'Session running',
    premiumOff: 'Premium inactive',
    graceUsed: 'Your spare opening has been used: end the session to free the locker.',
    graceLeft: 'You can still open once to take your things, then end the session.',
    open: 'Open',
    ending: 'Ending…',
    end: 'End',
    intro: 'Start a session: the locker opens and stays yours until you end it.',
    start: 'Start a session',
    offline: 'Locker offline: it cannot be opened.',
    forgot: 'Forgotten something?',
    forgotText:
      'The sensor still sees an object in the locker. Once the session ends, the locker goes to the next member.',
    cancel: 'Cancel',
    endAnyway: 'End anyway',
  },
});

interface SportSessionPanelProps {
  locker: LockerView;
  /** The running session, as pushed by the server (null: none). */
  session: SportSession | null;
  premium: boolean;
  /** The home screen's open command: Start and Open are followed to the locker's acknowledgement. */
  openCommand: OpenCommand;
  /** Start answered: show the session without waiting for the stream. */
  onStarted(session: SportSession): void;
  onEnded(session: EndedSession): void;
  /** The server said Premium is required although this page thought otherwise. */
  onPremiumLost(): void;
  onSessionLost(): void;
}

/** Re-renders every second while a session runs; the time is the server's (serverClock). */
function useTicking(active: boolean): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((tick) => tick + 1), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return serverClock.now();
}

/**
 * A sport locker's primary actions (SPEC §6, issue 6): Start, then Open as often as needed, then
 * End. End is refused while the door is open (the reason is shown), asks first when the sensor
 * still sees something inside, and releases the locker. A member who lost Premium may open once
 * more to take their things out, then only end.
 */
export function SportSessionPanel({
  locker,
  session,
  premium,
  openCommand,
  onStarted,
  onEnded,
  onPremiumLost,
  onSessionLost,
}: SportSessionPanelProps) {
  const [ending, setEnding] = useState(false);
  const [endFailure, setEndFailure] = useState<{ code: string; message: string } | null>(null);
  const [confirmObjectLeft, setConfirmObjectLeft] = useState(false);
  const now = useTicking(session !== null);
  const t = text();
  const command = openCommand.state;
  const sending = command.phase === 'sending';
  const commandFailure = command.phase === 'failed' ? command.code : null;

  useEffect(() => {
    if (commandFailure === 'premium_required' && premium) onPremiumLost();
  }, [commandFailure, premium, onPremiumLost]);

  function start() {
    setEndFailure(null);
    void openCommand.open(locker.id, async (lockerId) => {
      const started = await sessionsApi.start(lockerId);
      onStarted(started.session);
      return started;
    });
  }

  function open() {
    setEndFailure(null);
    void openCommand.open(locker.id, () => sessionsApi.open());
  }

  async function end(objectLeftConfirmed: boolean) {
    setEnding(true);
    setEndFailure(null);
    setConfirmObjectLeft(false);
    try {
      onEnded((await sessionsApi.end(objectLeftConfirmed)).session);
    } catch (error) {
      const { code } = asApiError(error);
      if (code === 'unauthenticated') onSessionLost();
      else if (code === 'object_left_inside') setConfirmObjectLeft(true);
      else setEndFailure({ code, message: messageFor(code) });
    } finally {
      setEnding(false);
    }
  }

  const status = openCommandStatus(command);
  const refusal = endFailure ?? (command.phase === 'failed' ? { code: command.code, message: command.message } : null);
  const graceOnly = session !== null && !premium;

  return (
    <div class="session" data-testid="sport-session" data-state={session ? 'running' : 'none'}>
      {session ? (
        <>
          <div class="session__timer" aria-live="off">
            <span class="session__caption">{t.running}</span>
            <strong class="session__elapsed" data-testid="session-timer" data-started-at={session.startedAt}>
              {elapsedLabel(now - Date.parse(session.startedAt))}
            </strong>
          </div>
          {graceOnly && (
            <p class="notice notice--premium session__grace" data-testid="session-grace">
              <strong class="notice__title">{t.premiumOff}</strong>
              {session.graceOpenUsed ? t.graceUsed : t.graceLeft}
            </p>
          )}
          <div class="session__actions">
            <button
              type="button"
              class="btn btn--primary btn--large"
              data-testid="session-open"
              onClick={open}
              disabled={!locker.online || sending || ending || (graceOnly && session.graceOpenUsed)}
              aria-busy={sending || command.phase === 'waiting'}
            >
              {t.open}
            </button>
            <button
              type="button"
              class="btn btn--danger btn--large"
              data-testid="session-end"
              onClick={() => void end(false)}
              disabled={ending || sending}
              aria-busy={ending}
            >
              {ending ? t.ending : t.end}
            </button>
          </div>
        </>
      ) : (
        <>
          <p class="session__intro">{t.intro}</p>
          <button
            type="button"
            class="btn btn--primary btn--block btn--large"
            data-testid="session-start"
            onClick={start}
            disabled={!locker.online || sending}
            aria-busy={sending || command.phase === 'waiting'}
          >
            {t.start}
          </button>
        </>
      )}

      {!locker.online && <p class="session__hint">{t.offline}</p>}
      {status && (
        <p class={`session__status session__status--${command.phase}`} role="status" data-testid="session-status">
          {status}
        </p>
      )}
      {refusal && (
        <p class="form-error session__refusal" role="alert" data-testid="session-refusal" data-code={refusal.code}>
          {refusal.message}
        </p>
      )}

      {confirmObjectLeft && (
        <div
          class="notice notice--premium session__confirm"
          role="alertdialog"
          aria-labelledby="object-left-title"
          data-testid="object-left-confirm"
        >
          <strong class="notice__title" id="object-left-title">
            {t.forgot}
          </strong>
          <p class="notice__text">{t.forgotText}</p>
          <div class="session__actions">
            <button
              type="button"
              class="btn btn--ghost"
              data-testid="object-left-cancel"
              onClick={() => setConfirmObjectLeft(false)}
            >
              {t.cancel}
            </button>
            <button
              type="button"
              class="btn btn--danger"
              data-testid="object-left-confirm-yes"
              onClick={() => void end(true)}
            >
              {t.endAnyway}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
