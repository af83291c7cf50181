import { useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageFor } from '../api/errorMessages';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { TextField } from '../components/TextField';

export type AuthMode = 'signin' | 'signup';

interface AuthScreenProps {
  mode: AuthMode;
  onModeChange(mode: AuthMode): void;
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

export function AuthScreen({ mode, onModeChange, onAuthenticated, notice }: AuthScreenProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pseudo, setPseudo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
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
      if (mode === 'signup') await api.signUp({ email: trimmedEmail, password, name: trimmedPseudo });
      else await api.signIn({ email: trimmedEmail, password });
      await onAuthenticated();
    } catch (failure) {
      setError(messageFor(asApiError(failure).code));
    } finally {
      setBusy(false);
    }
  }

  function switchMode() {
    setError(null);
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
        <FormError message={error} testId="auth-error" />
        <button type="submit" class="btn btn--primary btn--block" data-testid="submit" disabled={busy}>
          {busy ? copy.busy : copy.submit}
        </button>
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
