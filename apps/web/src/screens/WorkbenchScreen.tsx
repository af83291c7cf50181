import { messageFor } from '../api/errorMessages';
import { workbenchApi } from '../api/workbench';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { ReconnectIndicator } from '../components/ReconnectIndicator';
import { useWorkbench } from '../components/workbench/useWorkbench';
import { WorkbenchLockerCard } from '../components/workbench/WorkbenchLockerCard';
import '../components/workbench/workbench.css';

interface WorkbenchScreenProps {
  onBack(): void;
  onSessionLost(): void;
}

/**
 * /atelier (development and demo): the simulated lockers the server runs, each with the hands of
 * a person standing in front of it — open the door, put an object in, present a badge, pull the
 * network cable — and both what the hardware does and what the server learns, live.
 */
export function WorkbenchScreen({ onBack, onSessionLost }: WorkbenchScreenProps) {
  const bench = useWorkbench(onSessionLost);

  return (
    <div class="workbench">
      <header class="app-header">
        <BrandMark />
        <button type="button" class="btn btn--ghost btn--small" data-testid="wb-back" onClick={onBack}>
          Retour
        </button>
      </header>
      {bench.status.kind === 'ready' && !bench.live && <ReconnectIndicator />}

      <main class="workbench__main">
        <section class="wb-intro" aria-labelledby="wb-title">
          <h1 class="section-title" id="wb-title">
            Atelier
          </h1>
          <p class="wb-intro__text">
            Les casiers simulés par ce serveur (démo). Agissez sur leur matériel comme une personne devant le casier :
            chaque changement arrive en direct, côté matériel puis côté serveur.
          </p>
        </section>

        {bench.status.kind === 'loading' && (
          <p class="wb-empty" data-testid="wb-loading">
            Chargement de l'atelier…
          </p>
        )}
        {bench.status.kind === 'unavailable' && (
          <p class="notice" data-testid="wb-unavailable">
            <strong class="notice__title">Atelier indisponible</strong>
            Ce serveur ne simule aucun casier (SIMULATED_LOCKERS est désactivé).
          </p>
        )}
        {bench.status.kind === 'failed' && (
          <div class="wb-failed">
            <FormError message={messageFor(bench.status.code)} testId="wb-load-error" />
            <button type="button" class="btn btn--ghost btn--small" onClick={bench.reload}>
              Réessayer
            </button>
          </div>
        )}
        {bench.status.kind === 'ready' && bench.cards.length === 0 && (
          <p class="wb-empty">Aucun casier simulé pour le moment.</p>
        )}

        {bench.cards.map((card) => (
          <WorkbenchLockerCard
            key={card.id}
            card={card}
            demoBadgeUid={bench.demoBadgeUid}
            commands={workbenchApi}
            onCard={bench.show}
            onSessionLost={onSessionLost}
          />
        ))}
      </main>
    </div>
  );
}
