import { useState } from 'preact/hooks';
import { accountApi } from '../../api/account';
import { messageFor } from '../../api/errorMessages';
import { defineMessages } from '../../i18n/messages';
import { TextField } from '../TextField';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: {
    done: 'Mot de passe modifié. Vos autres appareils ont été déconnectés.',
    current: 'Mot de passe actuel',
    next: 'Nouveau mot de passe',
    placeholder: '8 à 128 caractères',
    saving: 'Enregistrement…',
    submit: 'Changer le mot de passe',
  },
  en: {
    done: 'Password changed. Your other devices have been signed out.',
    current: 'Current password',
    next: 'New password',
    placeholder: '8 to 128 characters',
    saving: 'Saving…',
    submit: 'Change the password',
  },
});

interface PasswordFormProps {
  onSessionLost(): void;
}

/** Changing the password needs the current one; the account's other sessions are signed out. */
export function PasswordForm({ onSessionLost }: PasswordFormProps) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const action = useAccountAction(onSessionLost);
  const t = text();

  async function submit(event: Event) {
    event.preventDefault();
    if (!current || !next) {
      action.fail(messageFor('missing_fields'));
      return;
    }
    const changed = await action.run(async () => {
      await accountApi.changePassword(current, next);
      return text().done;
    });
    if (changed) {
      setCurrent('');
      setNext('');
    }
  }

  return (
    <form class="settings-form" data-testid="password-form" onSubmit={(event) => void submit(event)} noValidate>
      <TextField
        label={t.current}
        name="current-password"
        type="password"
        value={current}
        onInput={setCurrent}
        testId="settings-current-password"
        autoComplete="current-password"
        disabled={action.busy}
      />
      <TextField
        label={t.next}
        name="new-password"
        type="password"
        value={next}
        onInput={setNext}
        testId="settings-new-password"
        autoComplete="new-password"
        placeholder={t.placeholder}
        disabled={action.busy}
      />
      <FormStatus error={action.error} done={action.done} testId="password" />
      <button
        type="submit"
        class="btn btn--ghost btn--block"
        data-testid="settings-password-save"
        disabled={action.busy}
      >
        {action.busy ? t.saving : t.submit}
      </button>
    </form>
  );
}
