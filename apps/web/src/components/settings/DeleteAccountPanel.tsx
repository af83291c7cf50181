import { useState } from 'preact/hooks';
import { accountApi } from '../../api/account';
import { messageFor } from '../../api/errorMessages';
import { TextField } from '../TextField';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

/** What the user types to confirm: a word, not a click, so it cannot happen by accident. */
export const DELETE_CONFIRMATION_WORD = 'SUPPRIMER';

interface DeleteAccountPanelProps {
  /** The current password confirms the erasure; a Google-only account needs a recent sign-in instead. */
  hasPassword: boolean;
  onDeleted(): void;
  onSessionLost(): void;
}

/**
 * "Supprimer mon compte": erases personal data (pseudo, e-mail, photo, sessions, pairing);
 * payment records stay, anonymised, as accounting requires (issue 4).
 */
export function DeleteAccountPanel({ hasPassword, onDeleted, onSessionLost }: DeleteAccountPanelProps) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [password, setPassword] = useState('');
  const action = useAccountAction(onSessionLost);
  const confirmed = typed.trim().toUpperCase() === DELETE_CONFIRMATION_WORD;

  async function submit(event: Event) {
    event.preventDefault();
    if (!confirmed) {
      action.fail(messageFor('delete_not_confirmed'));
      return;
    }
    if (hasPassword && !password) {
      action.fail(messageFor('password_required'));
      return;
    }
    const deleted = await action.run(async () => {
      await accountApi.deleteAccount(hasPassword ? password : undefined);
      return null;
    });
    if (deleted) onDeleted();
  }

  if (!open) {
    return (
      <button
        type="button"
        class="btn btn--danger btn--block"
        data-testid="delete-account-open"
        onClick={() => setOpen(true)}
      >
        Supprimer mon compte
      </button>
    );
  }

  return (
    <form
      class="settings-form settings-danger"
      data-testid="delete-account-form"
      onSubmit={(event) => void submit(event)}
      noValidate
    >
      <p class="settings-danger__text">
        Votre pseudo, votre e-mail, votre photo, vos sessions et l'association à votre casier seront effacés
        définitivement. Les paiements déjà effectués restent enregistrés, anonymisés, pour la comptabilité.
      </p>
      <TextField
        label={`Tapez ${DELETE_CONFIRMATION_WORD} pour confirmer`}
        name="delete-confirmation"
        value={typed}
        onInput={setTyped}
        testId="delete-account-confirmation"
        autoComplete="off"
        autoCapitalize="characters"
        disabled={action.busy}
      />
      {hasPassword ? (
        <TextField
          label="Mot de passe actuel"
          name="delete-password"
          type="password"
          value={password}
          onInput={setPassword}
          testId="delete-account-password"
          autoComplete="current-password"
          disabled={action.busy}
        />
      ) : (
        <p class="settings-form__hint">Pour un compte Google, une connexion de moins de 24 h est demandée.</p>
      )}
      <FormStatus error={action.error} done={null} testId="delete-account" />
      <div class="settings-danger__buttons">
        <button
          type="button"
          class="btn btn--ghost"
          data-testid="delete-account-cancel"
          onClick={() => {
            setOpen(false);
            setTyped('');
            setPassword('');
            action.reset();
          }}
          disabled={action.busy}
        >
          Annuler
        </button>
        <button
          type="submit"
          class="btn btn--danger"
          data-testid="delete-account-submit"
          disabled={action.busy || !confirmed}
        >
          {action.busy ? 'Suppression…' : 'Supprimer définitivement'}
        </button>
      </div>
    </form>
  );
}
