import { BrandMark } from '../components/BrandMark';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    code: 'Erreur 404',
    title: 'Page introuvable',
    text: 'Cette adresse ne mène à aucune page de SmartLocker. Le lien est peut-être incomplet ou ancien.',
    home: "Retour à l'accueil",
  },
  en: {
    code: 'Error 404',
    title: 'Page not found',
    text: 'This address leads to no SmartLocker page. The link may be incomplete or old.',
    home: 'Back to the home screen',
  },
});

export function NotFoundScreen({ onHome }: { onHome(): void }) {
  const t = text();
  return (
    <main class="startup not-found" data-testid="not-found">
      <BrandMark size="large" />
      <p class="not-found__code">{t.code}</p>
      <h1 class="section-title">{t.title}</h1>
      <p class="not-found__text">{t.text}</p>
      <button type="button" class="btn btn--primary" data-testid="not-found-home" onClick={onHome}>
        {t.home}
      </button>
    </main>
  );
}
