import { useState } from 'preact/hooks';
import { defineMessages } from '../i18n/messages';
import { applyUpdate, useUpdateAvailable } from '../serviceWorker';

const text = defineMessages({
  fr: {
    title: 'Nouvelle version disponible',
    text: 'Mettez à jour pour en profiter ; cela ne prend qu’un instant.',
    update: 'Mettre à jour',
    updating: 'Mise à jour…',
    later: 'Plus tard',
  },
  en: {
    title: 'New version available',
    text: 'Update to get it; it only takes a moment.',
    update: 'Update',
    updating: 'Updating…',
    later: 'Later',
  },
});

/** Offered when a new deployment's service worker is installed and waiting (serviceWorker.ts). */
export function UpdatePrompt() {
  const available = useUpdateAvailable();
  const [dismissed, setDismissed] = useState(false);
  const [updating, setUpdating] = useState(false);
  if (!available || dismissed) return null;
  const t = text();
  return (
    <aside
      class="update-prompt frame frame--active"
      role="status"
      aria-labelledby="update-title"
      data-testid="update-prompt"
    >
      <p class="update-prompt__text">
        <strong id="update-title">{t.title}</strong> {t.text}
      </p>
      <div class="update-prompt__actions">
        <button
          type="button"
          class="btn btn--primary btn--small"
          data-testid="update-apply"
          disabled={updating}
          onClick={() => {
            setUpdating(true);
            applyUpdate();
          }}
        >
          {updating ? t.updating : t.update}
        </button>
        <button
          type="button"
          class="btn btn--ghost btn--small"
          data-testid="update-later"
          onClick={() => setDismissed(true)}
        >
          {t.later}
        </button>
      </div>
    </aside>
  );
}
