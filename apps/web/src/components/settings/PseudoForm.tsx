import { useState } from 'preact/hooks';
import { accountApi } from '../../api/account';
import { messageFor } from '../../api/errorMessages';
import type { User } from '../../api/types';
import { defineMessages } from '../../i18n/messages';
import { TextField } from '../TextField';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: { done: 'Pseudo enregistré.', label: 'Pseudo', saving: 'Enregistrement…', submit: 'Enregistrer le pseudo' },
  en: { done: 'Nickname saved.', label: 'Nickname', saving: 'Saving…', submit: 'Save the nickname' },
});

interface PseudoFormProps {
  user: User;
  onUserChange(user: User): void;
  onSessionLost(): void;
}

/** The pseudo shown to the user and to administrators. */
export function PseudoForm({ user, onUserChange, onSessionLost }: PseudoFormProps) {
  const [pseudo, setPseudo] = useState(user.name);
  const action = useAccountAction(onSessionLost);
  const trimmed = pseudo.trim();
  const t = text();

  async function submit(event: Event) {
    event.preventDefault();
    if (!trimmed) {
      action.fail(messageFor('missing_fields'));
      return;
    }
    await action.run(async () => {
      const updated = await accountApi.updatePseudo(trimmed);
      onUserChange(updated);
      setPseudo(updated.name);
      return text().done;
    });
  }

  return (
    <form class="settings-form" data-testid="pseudo-form" onSubmit={(event) => void submit(event)} noValidate>
      <TextField
        label={t.label}
        name="settings-pseudo"
        value={pseudo}
        onInput={setPseudo}
        testId="settings-pseudo"
        autoComplete="nickname"
        disabled={action.busy}
      />
      <FormStatus error={action.error} done={action.done} testId="pseudo" />
      <button
        type="submit"
        class="btn btn--primary btn--block"
        data-testid="settings-pseudo-save"
        disabled={action.busy || trimmed === user.name}
      >
        {action.busy ? t.saving : t.submit}
      </button>
    </form>
  );
}
