import type { EndedSession } from '../../api/sessions';
import { minutesLabel } from './sessionFormat';
import './session.css';

interface SessionEndedNoticeProps {
  session: EndedSession;
  onDismiss(): void;
}

/** After End: how long it lasted, and that the locker is now free for the next member. */
export function SessionEndedNotice({ session, onDismiss }: SessionEndedNoticeProps) {
  return (
    <div class="notice session-ended" role="status" data-testid="session-ended">
      <strong class="notice__title">Session terminée</strong>
      <p class="notice__text">
        Durée : {minutesLabel(session.durationMinutes)}. Le casier est verrouillé et libéré pour le membre suivant.
        {session.objectLeftInside && ' Un objet était encore détecté à l’intérieur.'}
      </p>
      <button type="button" class="btn btn--ghost btn--small" data-testid="session-ended-dismiss" onClick={onDismiss}>
        OK
      </button>
    </div>
  );
}
