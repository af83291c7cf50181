import './workbench.css';
import { defineMessages } from '../../i18n/messages';

const text = defineMessages({
  fr: {
    label: 'Atelier de démonstration',
    title: 'Démo',
    text: "Ouvrez l'atelier pour agir sur les casiers simulés : porte, objet, badge, réseau.",
    open: "Ouvrir l'atelier",
  },
  en: {
    label: 'Demo workbench',
    title: 'Demo',
    text: 'Open the workbench to act on the simulated lockers: door, object, badge, network.',
    open: 'Open the workbench',
  },
});

interface WorkbenchLinkProps {
  onOpen(): void;
}

/** On the home screen in demo mode: the way to the workbench of simulated lockers. */
export function WorkbenchLink({ onOpen }: WorkbenchLinkProps) {
  const t = text();
  return (
    <aside class="notice wb-link" aria-label={t.label}>
      <strong class="notice__title">{t.title}</strong>
      <p class="wb-link__text">{t.text}</p>
      <button type="button" class="btn btn--ghost btn--small" data-testid="open-workbench" onClick={onOpen}>
        {t.open}
      </button>
    </aside>
  );
}
