import { useState } from 'preact/hooks';
import { accountApi } from '../../api/account';
import { messageFor } from '../../api/errorMessages';
import { defineMessages } from '../../i18n/messages';
import { TextField } from '../TextField';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: {
    word: 'SUPPRIMER',
    open: 'Supprimer mon compte',
    warning:
      "Votre pseudo, votre e-mail, votre photo, vos sessions et l'association à votre casier seront effacés définitivement. Les paiements déjà effectués restent enregistrés, anonymisés, pour la comptabilité.",
    typeToConfirm: (word: string) => `Tapez ${word} pour confirmer`,
    password: 'Mot de passe actuel',
    googleHint: 'Pour un compte Google, une connexion de moins de 24 h est demandée.',
    cancel: 'Annuler',
    deleting: 'Suppression…',
    submit: 'Supprimer définitivement',
  },
  en: {
    word: 'DELETE',
    open: 'Delete my account',
    warning:
      'Your nickname, e-mail, photo, sessions and the pairing to your locker will be erased for good. Payments already made stay recorded, anonymised, for the accounts.',
    typeToConfirm: (word: string) => `Type ${word} to confirm`,
    password: 'Current password',
    googleHint: 'For a Google account, a sign-in less than 24 h old is required.',
    cancel: 'Cancel',
    deleting: 'Deleting…',
    submit: 'Delete for good',
  },
});

/** What the user types to confirm, in the current language: a word, not a click, so it cannot happen by accident. */
export function deleteConfirmationWord(): string {
  return text().word;
}

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
  const t = text();
  const confirmed = typed.trim().toUpperCase() === t.word;

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
        {t.open}
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
      <p class="settings-danger__text">{t.warning}</p>
      <TextField
        label={t.typeToConfirm(t.word)}
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
          label={t.password}
          name="delete-password"
          type="password"
          value={password}
          onInput={setPassword}
          testId="delete-account-password"
          autoComplete="current-password"
          disabled={action.busy}
        />
      ) : (
        <p class="settings-form__hint">{t.googleHint}</p>
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
          {t.cancel}
        </button>
        <button
          type="submit"
          class="btn btn--danger"
          data-testid="delete-account-submit"
          disabled={action.busy || !confirmed}
        >
          {action.busy ? t.deleting : t.submit}
        </button>
      </div>
    </form>
  );
}
