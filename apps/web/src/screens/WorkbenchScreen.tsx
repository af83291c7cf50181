import { messageFor } from '../api/errorMessages';
import { workbenchApi } from '../api/workbench';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { ReconnectIndicator } from '../components/ReconnectIndicator';
import { useWorkbench } from '../components/workbench/useWorkbench';
import { WorkbenchLockerCard } from '../components/workbench/WorkbenchLockerCard';
import '../components/workbench/workbench.css';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    back: 'Retour',
    title: 'Atelier',
    intro:
      'Les casiers simulés par ce serveur (démo). Agissez sur leur matériel comme une personne devant le casier : chaque changement arrive en direct, côté matériel puis côté serveur.',
    loading: "Chargement de l'atelier…",
    unavailable: 'Atelier indisponible',
    unavailableText: 'Ce serveur ne simule aucun casier (SIMULATED_LOCKERS est désactivé).',
    retry: 'Réessayer',
    empty: 'Aucun casier simulé pour le moment.',
  },
  en: {
    back: 'Back',
    title: 'Workbench',
    intro:
      'The lockers this server simulates (demo). Act on their hardware as a person standing in front of the locker: every change arrives live, on the hardware side and then on the server side.',
    loading: 'Loading the workbench…',
    unavailable: 'Workbench unavailable',
    unavailableText: 'This server simulates no locker (SIMULATED_LOCKERS is off).',
    retry: 'Try again',
    empty: 'No simulated locker yet.',
  },
});

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
  const t = text();

  return (
    <div class="workbench">
      <header class="app-header">
        <BrandMark />
        <button type="button" class="btn btn--ghost btn--small" data-testid="wb-back" onClick={onBack}>
          {t.back}
        </button>
      </header>
      {bench.status.kind === 'ready' && !bench.live && <ReconnectIndicator />}

      <main class="workbench__main">
        <section class="wb-intro" aria-labelledby="wb-title">
          <h1 class="section-title" id="wb-title">
            {t.title}
          </h1>
          <p class="wb-intro__text">{t.intro}</p>
        </section>

        {bench.status.kind === 'loading' && (
          <p class="wb-empty" data-testid="wb-loading">
            {t.loading}
          </p>
        )}
        {bench.status.kind === 'unavailable' && (
          <p class="notice" data-testid="wb-unavailable">
            <strong class="notice__title">{t.unavailable}</strong>
            {t.unavailableText}
          </p>
        )}
        {bench.status.kind === 'failed' && (
          <div class="wb-failed">
            <FormError message={messageFor(bench.status.code)} testId="wb-load-error" />
            <button type="button" class="btn btn--ghost btn--small" onClick={bench.reload}>
              {t.retry}
            </button>
          </div>
        )}
        {bench.status.kind === 'ready' && bench.cards.length === 0 && <p class="wb-empty">{t.empty}</p>}

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
