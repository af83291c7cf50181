import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    title: 'SIGNAL PERDU',
    text: 'Connexion au réseau interrompue.',
    hint: "L'application reprendra automatiquement dès le retour du signal.",
  },
  en: {
    title: 'SIGNAL LOST',
    text: 'The network connection dropped.',
    hint: 'The app resumes by itself as soon as the signal is back.',
  },
});
/** Full-screen "signal lost" while the device has no network (SPEC §10). */
export function OfflineOverlay() {
  const t = text();
  return (
    <div class="offline" role="alert" aria-live="assertive" data-testid="offline-overlay">
      <div class="offline__scan" aria-hidden="true" />
      <div class="offline__content">
        <svg class="offline__icon" viewBox="0 0 64 64" aria-hidden="true">
          <path d="M8 52h8v-8H8zM22 52h8V36h-8zM36 52h8V26h-8zM50 52h8V14h-8z" fill="currentColor" opacity="0.25" />
          <path d="M8 52h8v-8H8z" fill="currentColor" />
          <path d="M6 10l52 48" stroke="currentColor" stroke-width="4" stroke-linecap="square" />
        </svg>
        <h1 class="offline__title" data-text={t.title}>
          {t.title}
        </h1>
        <p class="offline__text">{t.text}</p>
        <p class="offline__hint">{t.hint}</p>
      </div>
    </div>
  );
}
