import { useState } from 'preact/hooks';
import { accountApi } from '../api/account';
import { asApiError } from '../api/client';
import { messageFor, messageForError } from '../api/errorMessages';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { TextField } from '../components/TextField';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    signIn: 'Se connecter',
    done: 'Mot de passe modifié. Vous pouvez maintenant vous connecter avec le nouveau.',
    newLink: 'Demander un nouveau lien',
    help: 'Choisissez un nouveau mot de passe : 8 à 128 caractères, et pas un mot de passe courant.',
    password: 'Nouveau mot de passe',
    confirmation: 'Confirmation',
    saving: 'Enregistrement…',
    save: 'Enregistrer',
    title: 'Nouveau mot de passe',
  },
  en: {
    signIn: 'Sign in',
    done: 'Password changed. You can now sign in with the new one.',
    newLink: 'Ask for a new link',
    help: 'Choose a new password: 8 to 128 characters, and not a common one.',
    password: 'New password',
    confirmation: 'Confirmation',
    saving: 'Saving…',
    save: 'Save',
    title: 'New password',
  },
});

interface ResetPasswordScreenProps {
  /** After success (to sign in) or to leave the screen. */
  onDone(): void;
  /** To ask for a new link when this one is unusable. */
  onRequestNewLink(): void;
  /** The label of the button shown after success. */
  doneLabel?: string;
}

type LinkState = { token: string; problem: null } | { token: null; problem: string };

/**
 * The e-mailed link passes through better-auth, which checks the token and sends the browser here
 * with `?token=…`, or with `?error=INVALID_TOKEN` when it is unknown, used or expired.
 */
function readLink(): LinkState {
  const params = new URLSearchParams(window.location.search);
  const error = params.get('error');
  const token = params.get('token');
  if (error) return { token: null, problem: messageFor(error) };
  if (!token) return { token: null, problem: messageFor('missing_token') };
  return { token, problem: null };
}

/** /reinitialiser?token=…: choose a new password. */
export function ResetPasswordScreen({ onDone, onRequestNewLink, doneLabel }: ResetPasswordScreenProps) {
  const t = text();
  const [link] = useState(readLink);
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [tokenRejected, setTokenRejected] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    if (!link.token) return;
    if (!password || !confirmation) {
      setError(messageFor('missing_fields'));
      return;
    }
    if (password !== confirmation) {
      setError(messageFor('password_mismatch'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await accountApi.resetPassword(link.token, password);
      // The token is spent: keep it out of the history and of anything the page might share.
      window.history.replaceState(null, '', window.location.pathname);
      setDone(true);
    } catch (failure) {
      const apiError = asApiError(failure);
      if (apiError.code === 'INVALID_TOKEN' || apiError.code === 'TOKEN_EXPIRED') setTokenRejected(true);
      setError(messageForError(apiError));
    } finally {
      setBusy(false);
    }
  }

  function body() {
    if (done) {
      return (
        <div class="auth__sent" role="status" data-testid="reset-done">
          <p>{t.done}</p>
          <button type="button" class="btn btn--primary btn--block" data-testid="reset-continue" onClick={onDone}>
            {doneLabel ?? t.signIn}
          </button>
        </div>
      );
    }
    if (link.problem !== null) {
      return (
        <div class="auth__sent">
          <FormError message={link.problem} testId="reset-error" />
          <button
            type="button"
            class="btn btn--ghost btn--block"
            data-testid="reset-new-link"
            onClick={onRequestNewLink}
          >
            {t.newLink}
          </button>
        </div>
      );
    }
    return (
      <>
        <p class="auth__help">{t.help}</p>
        <TextField
          label={t.password}
          name="new-password"
          type="password"
          value={password}
          onInput={setPassword}
          testId="reset-password"
          autoComplete="new-password"
          disabled={busy}
        />
        <TextField
          label={t.confirmation}
          name="confirm-password"
          type="password"
          value={confirmation}
          onInput={setConfirmation}
          testId="reset-password-confirm"
          autoComplete="new-password"
          disabled={busy}
        />
        <FormError message={error} testId="reset-error" />
        {tokenRejected ? (
          <button
            type="button"
            class="btn btn--ghost btn--block"
            data-testid="reset-new-link"
            onClick={onRequestNewLink}
          >
            {t.newLink}
          </button>
        ) : (
          <button type="submit" class="btn btn--primary btn--block" data-testid="reset-submit" disabled={busy}>
            {busy ? t.saving : t.save}
          </button>
        )}
      </>
    );
  }

  return (
    <main class="auth">
      <div class="auth__hero">
        <BrandMark size="large" />
      </div>
      <form
        class="frame frame--active auth__card"
        data-testid="reset-form"
        onSubmit={(event) => void submit(event)}
        noValidate
      >
        <h1 class="section-title">{t.title}</h1>
        {body()}
      </form>
    </main>
  );
}
