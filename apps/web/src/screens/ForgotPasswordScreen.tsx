import { useState } from 'preact/hooks';
import { accountApi } from '../api/account';
import { asApiError } from '../api/client';
import { messageFor, messageForError } from '../api/errorMessages';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { TextField } from '../components/TextField';
import { usePublicConfig } from '../hooks/usePublicConfig';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    title: 'Mot de passe oublié',
    sentBefore: 'Si un compte existe pour ',
    sentAfter:
      ", un e-mail contenant un lien de réinitialisation vient de lui être envoyé. Ce lien ne sert qu'une fois et expire rapidement.",
    outbox: 'Ouvrir la boîte mail de démo',
    help: "Indiquez l'e-mail de votre compte : nous vous enverrons un lien pour en choisir un nouveau.",
    email: 'E-mail',
    sending: 'Envoi…',
    submit: 'Recevoir le lien',
    back: 'Retour à la connexion',
  },
  en: {
    title: 'Forgotten password',
    sentBefore: 'If an account exists for ',
    sentAfter: ', an e-mail with a reset link has just been sent to it. The link works once and expires soon.',
    outbox: 'Open the demo mailbox',
    help: 'Give the e-mail of your account: we will send you a link to choose a new password.',
    email: 'E-mail',
    sending: 'Sending…',
    submit: 'Send me the link',
    back: 'Back to sign in',
  },
});

interface ForgotPasswordScreenProps {
  onBack(): void;
  onOpenOutbox(): void;
}

/**
 * "Mot de passe oublié ?": asks for a reset link. The answer never says whether the address has
 * an account (issue 4: generic answers), so the confirmation is the same for every address.
 */
export function ForgotPasswordScreen({ onBack, onOpenOutbox }: ForgotPasswordScreenProps) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const config = usePublicConfig();
  const t = text();

  async function submit(event: Event) {
    event.preventDefault();
    const trimmed = email.trim();
    if (!trimmed) {
      setError(messageFor('missing_fields'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await accountApi.requestPasswordReset(trimmed);
      setSentTo(trimmed);
    } catch (failure) {
      setError(messageForError(asApiError(failure)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth">
      <div class="auth__hero">
        <BrandMark size="large" />
      </div>

      <form
        class="frame frame--active auth__card"
        data-testid="forgot-form"
        onSubmit={(event) => void submit(event)}
        noValidate
      >
        <h1 class="section-title">{t.title}</h1>
        {sentTo ? (
          <div class="auth__sent" role="status" data-testid="forgot-sent">
            <p>
              {t.sentBefore}
              <strong class="auth__address">{sentTo}</strong>
              {t.sentAfter}
            </p>
            {config?.demoMode && (
              <a
                class="btn btn--ghost btn--block"
                href="/boite-mail"
                data-testid="open-outbox"
                onClick={(event) => {
                  event.preventDefault();
                  onOpenOutbox();
                }}
              >
                {t.outbox}
              </a>
            )}
          </div>
        ) : (
          <>
            <p class="auth__help">{t.help}</p>
            <TextField
              label={t.email}
              name="email"
              type="email"
              value={email}
              onInput={setEmail}
              testId="forgot-email"
              autoComplete="email"
              autoCapitalize="off"
              disabled={busy}
            />
            <FormError message={error} testId="forgot-error" />
            <button type="submit" class="btn btn--primary btn--block" data-testid="forgot-submit" disabled={busy}>
              {busy ? t.sending : t.submit}
            </button>
          </>
        )}
      </form>

      <p class="auth__switch">
        <button type="button" class="link-button" data-testid="back-to-signin" onClick={onBack}>
          {t.back}
        </button>
      </p>
    </main>
  );
}
