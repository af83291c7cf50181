import { useState } from 'preact/hooks';
import { accountApi } from '../api/account';
import { api, asApiError } from '../api/client';
import { messageFor, messageForError } from '../api/errorMessages';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { GoogleButton } from '../components/settings/GoogleButton';
import { TextField } from '../components/TextField';
import { usePublicConfig } from '../hooks/usePublicConfig';

export type AuthMode = 'signin' | 'signup';

interface AuthScreenProps {
  mode: AuthMode;
  onModeChange(mode: AuthMode): void;
  onForgotPassword(): void;
  /** Called once the session cookie is set. */
  onAuthenticated(): Promise<void>;
  /** Why the user landed here, e.g. an expired session. */
  notice?: string | undefined;
}

const COPY = {
  signin: {
    title: 'Connexion',
    submit: 'Se connecter',
    busy: 'Connexion…',
    switchPrompt: 'Pas encore de compte ?',
    switchAction: 'Créer un compte',
  },
  signup: {
    title: 'Inscription',
    submit: 'Créer mon compte',
    busy: 'Création…',
    switchPrompt: 'Déjà inscrit ?',
    switchAction: 'Se connecter',
  },
} as const;

async function hasSession(): Promise<boolean> {
  try {
    await api.me();
    return true;
  } catch (error) {
    if (asApiError(error).code === 'unauthenticated') return false;
    throw error;
  }
}

/** A failed Google sign-in comes back as /connexion?error=CODE (better-auth's errorCallbackURL). */
function takeOAuthError(): string | null {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('error');
  if (!code) return null;
  window.history.replaceState(null, '', window.location.pathname);
  return messageFor(code);
}

export function AuthScreen({ mode, onModeChange, onForgotPassword, onAuthenticated, notice }: AuthScreenProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pseudo, setPseudo] = useState('');
  const [error, setError] = useState<string | null>(takeOAuthError);
  const [busy, setBusy] = useState(false);
  const [signUpPending, setSignUpPending] = useState<string | null>(null);
  const config = usePublicConfig();
  const copy = COPY[mode];

  async function submit(event: Event) {
    event.preventDefault();
    const trimmedEmail = email.trim();
    const trimmedPseudo = pseudo.trim();
    if (!trimmedEmail || !password || (mode === 'signup' && !trimmedPseudo)) {
      setError(messageFor('missing_fields'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      if (mode === 'signup') {
        await api.signUp({ email: trimmedEmail, password, name: trimmedPseudo });
        // An address that already has an account gets a sign-up that opens no session (the
        // server never says which addresses are customers) and its owner gets an e-mail.
        if (!(await hasSession())) {
          setSignUpPending(trimmedEmail);
          return;
        }
      } else {
        await api.signIn({ email: trimmedEmail, password });
      }
      await onAuthenticated();
    } catch (failure) {
      setError(messageForError(asApiError(failure)));
    } finally {
      setBusy(false);
    }
  }

  async function continueWithGoogle() {
    setBusy(true);
    setError(null);
    try {
      window.location.assign(await accountApi.googleSignInUrl());
    } catch (failure) {
      setError(messageForError(asApiError(failure)));
      setBusy(false);
    }
  }

  function switchMode() {
    setError(null);
    setSignUpPending(null);
    onModeChange(mode === 'signin' ? 'signup' : 'signin');
  }

  return (
    <main class="auth">
      <div class="auth__hero">
        <BrandMark size="large" />
        <p class="auth__tagline">Votre casier connecté, ouvert d'un geste.</p>
      </div>

      {notice && (
        <p class="notice notice--info" role="status">
          {notice}
        </p>
      )}
      {signUpPending && (
        <p class="notice notice--info" role="status" data-testid="signup-pending">
          Un e-mail vient d'être envoyé à <strong>{signUpPending}</strong> : suivez ses instructions pour continuer.
        </p>
      )}

      <form
        class="frame frame--active auth__card"
        data-testid={mode === 'signin' ? 'signin-form' : 'signup-form'}
        onSubmit={(event) => void submit(event)}
        noValidate
      >
        <h1 class="section-title">{copy.title}</h1>
        {mode === 'signup' && (
          <TextField
            label="Pseudo"
            name="pseudo"
            value={pseudo}
            onInput={setPseudo}
            testId="pseudo"
            autoComplete="nickname"
            disabled={busy}
          />
        )}
        <TextField
          label="E-mail"
          name="email"
          type="email"
          value={email}
          onInput={setEmail}
          testId="email"
          autoComplete="email"
          autoCapitalize="off"
          disabled={busy}
        />
        <TextField
          label="Mot de passe"
          name="password"
          type="password"
          value={password}
          onInput={setPassword}
          testId="password"
          autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
          placeholder={mode === 'signup' ? '8 caractères minimum' : undefined}
          disabled={busy}
        />
        {mode === 'signin' && (
          <p class="auth__forgot">
            <button type="button" class="link-button" data-testid="forgot-password" onClick={onForgotPassword}>
              Mot de passe oublié ?
            </button>
          </p>
        )}
        <FormError message={error} testId="auth-error" />
        <button type="submit" class="btn btn--primary btn--block" data-testid="submit" disabled={busy}>
          {busy ? copy.busy : copy.submit}
        </button>
        {config?.googleEnabled && (
          <>
            <p class="auth__or" aria-hidden="true">
              ou
            </p>
            <GoogleButton onClick={() => void continueWithGoogle()} disabled={busy} />
          </>
        )}
      </form>

      <p class="auth__switch">
        {copy.switchPrompt}{' '}
        <button type="button" class="link-button" data-testid="toggle-mode" onClick={switchMode}>
          {copy.switchAction}
        </button>
      </p>
    </main>
  );
}
