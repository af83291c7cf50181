import { useState } from 'preact/hooks';
import { accountApi } from '../../api/account';
import { api } from '../../api/client';
import { messageFor } from '../../api/errorMessages';
import type { Me } from '../../api/types';
import { defineMessages } from '../../i18n/messages';
import { TextField } from '../TextField';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: {
    changed: 'E-mail modifié.',
    linkSent: (email: string) => `Un lien de confirmation a été envoyé : suivez-le pour passer à ${email}.`,
    locked: 'Google — verrouillé',
    lockedHint: 'Cet e-mail est géré par votre compte Google.',
    label: 'E-mail',
    sending: 'Envoi…',
    submit: "Changer l'e-mail",
  },
  en: {
    changed: 'E-mail changed.',
    linkSent: (email: string) => `A confirmation link has been sent: follow it to switch to ${email}.`,
    locked: 'Google — locked',
    lockedHint: 'This e-mail is managed by your Google account.',
    label: 'E-mail',
    sending: 'Sending…',
    submit: 'Change the e-mail',
  },
});

interface EmailFormProps {
  me: Me;
  onMeChange(me: Me): void;
  onSessionLost(): void;
}

/**
 * The account's e-mail. A change is confirmed by a link sent by e-mail; a Google account's
 * address belongs to Google and is locked (SPEC §3).
 */
export function EmailForm({ me, onMeChange, onSessionLost }: EmailFormProps) {
  const [email, setEmail] = useState(me.user.email);
  const action = useAccountAction(onSessionLost);
  const locked = me.user.emailLocked === true;
  const t = text();
  const trimmed = email.trim();

  async function submit(event: Event) {
    event.preventDefault();
    if (locked) return;
    if (!trimmed) {
      action.fail(messageFor('missing_fields'));
      return;
    }
    if (trimmed.toLowerCase() === me.user.email.toLowerCase()) {
      action.fail(messageFor('EMAIL_IS_THE_SAME'));
      return;
    }
    await action.run(async () => {
      await accountApi.changeEmail(trimmed);
      // Depending on the account, the change is immediate or waits for the e-mailed link.
      const fresh = await api.me();
      onMeChange(fresh);
      if (fresh.user.email.toLowerCase() === trimmed.toLowerCase()) return text().changed;
      setEmail(fresh.user.email);
      return text().linkSent(trimmed);
    });
  }

  return (
    <form class="settings-form" data-testid="email-form" onSubmit={(event) => void submit(event)} noValidate>
      {locked && (
        <p class="settings-form__badge-line">
          <span class="badge badge--google" data-testid="email-locked">
            {t.locked}
          </span>
          <span class="settings-form__hint">{t.lockedHint}</span>
        </p>
      )}
      <TextField
        label={t.label}
        name="settings-email"
        type="email"
        value={locked ? me.user.email : email}
        onInput={setEmail}
        testId="settings-email"
        autoComplete="email"
        autoCapitalize="off"
        disabled={locked || action.busy}
      />
      <FormStatus error={action.error} done={action.done} testId="email" />
      {!locked && (
        <button
          type="submit"
          class="btn btn--ghost btn--block"
          data-testid="settings-email-save"
          disabled={action.busy || trimmed.toLowerCase() === me.user.email.toLowerCase()}
        >
          {action.busy ? t.sending : t.submit}
        </button>
      )}
    </form>
  );
}
