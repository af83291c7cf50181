import type { EndedSession } from '../../api/sessions';
import { minutesLabel } from './sessionFormat';
import './session.css';
import { defineMessages } from '../../i18n/messages';

const text = defineMessages({
  fr: {
    title: 'Session terminée',
    duration: (duration: string) => `Durée : ${duration}. Le casier est verrouillé et libéré pour le membre suivant.`,
    objectLeft: ' Un objet était encore détecté à l’intérieur.',
    ok: 'OK',
  },
  en: {
    title: 'Session ended',
    duration: (duration: string) => `Duration: ${duration}. The locker is locked and free for the next member.`,
    objectLeft: ' An object was still detected inside.',
    ok: 'OK',
  },
});

interface SessionEndedNoticeProps {
  session: EndedSession;
  onDismiss(): void;
}

/** After End: how long it lasted, and that the locker is now free for the next member. */
export function SessionEndedNotice({ session, onDismiss }: SessionEndedNoticeProps) {
  const t = text();
  return (
    <div class="notice session-ended" role="status" data-testid="session-ended">
      <strong class="notice__title">{t.title}</strong>
      <p class="notice__text">
        {t.duration(minutesLabel(session.durationMinutes))}
        {session.objectLeftInside && t.objectLeft}
      </p>
      <button type="button" class="btn btn--ghost btn--small" data-testid="session-ended-dismiss" onClick={onDismiss}>
        {t.ok}
      </button>
    </div>
  );
}
