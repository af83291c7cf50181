import { useState } from 'preact/hooks';
import { accountApi } from '../api/account';
import { api, asApiError } from '../api/client';
import { messageFor, messageForError } from '../api/errorMessages';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { GoogleButton } from '../components/settings/GoogleButton';
import { TextField } from '../components/TextField';
import { usePublicConfig } from '../hooks/usePublicConfig';
import { currentLocale } from '../i18n/locale';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    signinTitle: 'Connexion',
    signinSubmit: 'Se connecter',
    signinBusy: 'Connexion…',
    signinSwitchPrompt: 'Pas encore de compte ?',
    signinSwitchAction: 'Créer un compte',
    signupTitle: 'Inscription',
    signupSubmit: 'Créer mon compte',
    signupBusy: 'Création…',
    signupSwitchPrompt: 'Déjà inscrit ?',
    signupSwitchAction: 'Se connecter',
    tagline: "Votre casier connecté, ouvert d'un geste.",
    pendingBefore: "Un e-mail vient d'être envoyé à ",
    pendingAfter: ' : suivez ses instructions pour continuer.',
    pseudo: 'Pseudo',
    email: 'E-mail',
    password: 'Mot de passe',
    passwordHint: '8 caractères minimum',
    forgot: 'Mot de passe oublié ?',
    or: 'ou',
  },
  en: {
    signinTitle: 'Sign in',
    signinSubmit: 'Sign in',
    signinBusy: 'Signing in…',
    signinSwitchPrompt: 'No account yet?',
    signinSwitchAction: 'Create an account',
    signupTitle: 'Sign up',
    signupSubmit: 'Create my account',
    signupBusy: 'Creating…',
    signupSwitchPrompt: 'Already signed up?',
    signupSwitchAction: 'Sign in',
    tagline: 'Your connected locker, opened in one tap.',
    pendingBefore: 'An e-mail has just been sent to ',
    pendingAfter: ': follow its instructions to go on.',
    pseudo: 'Nickname',
    email: 'E-mail',
    password: 'Password',
    passwordHint: '8 characters at least',
    forgot: 'Forgotten password?',
    or: 'or',
  },
});

function copyFor(mode: AuthMode) {
  const t = text();
  return mode === 'signin'
    ? {
        title: t.signinTitle,
        submit: t.signinSubmit,
        busy: t.signinBusy,
        switchPrompt: t.signinSwitchPrompt,
        switchAction: t.signinSwitchAction,
      }
    : {
        title: t.signupTitle,
        submit: t.signupSubmit,
        busy: t.signupBusy,
        switchPrompt: t.signupSwitchPrompt,
        switchAction: t.signupSwitchAction,
      };
}

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
  const copy = copyFor(mode);
  const t = text();

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
        await api.signUp({ email: trimmedEmail, password, name: trimmedPseudo, locale: currentLocale() });
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
        <p class="auth__tagline">{t.tagline}</p>
      </div>

      {notice && (
        <p class="notice notice--info" role="status">
          {notice}
        </p>
      )}
      {signUpPending && (
        <p class="notice notice--info" role="status" data-testid="signup-pending">
          {t.pendingBefore}
          <strong>{signUpPending}</strong>
          {t.pendingAfter}
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
            label={t.pseudo}
            name="pseudo"
            value={pseudo}
            onInput={setPseudo}
            testId="pseudo"
            autoComplete="nickname"
            disabled={busy}
          />
        )}
        <TextField
          label={t.email}
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
          label={t.password}
          name="password"
          type="password"
          value={password}
          onInput={setPassword}
          testId="password"
          autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
          placeholder={mode === 'signup' ? t.passwordHint : undefined}
          disabled={busy}
        />
        {mode === 'signin' && (
          <p class="auth__forgot">
            <button type="button" class="link-button" data-testid="forgot-password" onClick={onForgotPassword}>
              {t.forgot}
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
              {t.or}
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
