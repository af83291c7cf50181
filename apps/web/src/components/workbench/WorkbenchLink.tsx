import './workbench.css';

interface WorkbenchLinkProps {
  onOpen(): void;
}

/** On the home screen in demo mode: the way to the workbench of simulated lockers. */
export function WorkbenchLink({ onOpen }: WorkbenchLinkProps) {
  return (
    <aside class="notice wb-link" aria-label="Atelier de démonstration">
      <strong class="notice__title">Démo</strong>
      <p class="wb-link__text">Ouvrez l'atelier pour agir sur les casiers simulés : porte, objet, badge, réseau.</p>
      <button type="button" class="btn btn--ghost btn--small" data-testid="open-workbench" onClick={onOpen}>
        Ouvrir l'atelier
      </button>
    </aside>
  );
}
