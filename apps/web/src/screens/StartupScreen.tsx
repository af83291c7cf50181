import { BrandMark } from '../components/BrandMark';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: { retry: 'Réessayer', loading: 'Initialisation…' },
  en: { retry: 'Try again', loading: 'Starting…' },
});

interface StartupScreenProps {
  /** Set when the server could not be reached; the screen then offers a retry. */
  error?: string;
  onRetry?: () => void;
}

/** What shows while the session loads, or when the server cannot be reached. */
export function StartupScreen({ error, onRetry }: StartupScreenProps) {
  const t = text();
  return (
    <main class="startup" aria-busy={!error}>
      <BrandMark size="large" />
      {error ? (
        <>
          <p class="form-error" role="alert" data-testid="startup-error">
            {error}
          </p>
          <button type="button" class="btn btn--primary" onClick={onRetry}>
            {t.retry}
          </button>
        </>
      ) : (
        <p class="startup__loading">
          <span class="live-dot live-dot--on" aria-hidden="true" /> {t.loading}
        </p>
      )}
    </main>
  );
}
