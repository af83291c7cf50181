import { useState } from 'preact/hooks';
import { asApiError } from '../../api/client';
import { messageFor } from '../../api/errorMessages';
import type { WorkbenchAction, WorkbenchLocker } from '../../api/workbench';
import { lockerTypeLabel } from '../../i18n/lockerLabels';
import { FormError } from '../FormError';
import { LockerFactTiles } from '../LockerFactTiles';
import { OnlineBadge } from '../OnlineBadge';
import { StateTile } from '../StateTile';
import { networkState } from './workbenchCards';

export interface WorkbenchCommands {
  setDoor(lockerId: string, state: 'open' | 'closed'): Promise<WorkbenchLocker>;
  setObject(lockerId: string, present: boolean): Promise<WorkbenchLocker>;
  presentBadge(lockerId: string, uid: string): Promise<WorkbenchLocker>;
  setNetwork(lockerId: string, connected: boolean): Promise<WorkbenchLocker>;
}

interface WorkbenchLockerCardProps {
  card: WorkbenchLocker;
  demoBadgeUid: string | null;
  commands: WorkbenchCommands;
  /** An action's answer, shown at once. */
  onCard(card: WorkbenchLocker): void;
  onSessionLost(): void;
}

/** Workbench errors in French; the rest come from the app's shared messages. */
const WORKBENCH_MESSAGES: Readonly<Record<string, string>> = {
  not_supported: 'Ce simulateur ne sait pas encore faire cette action.',
  unknown_locker: "Ce casier n'est plus simulé par le serveur. Rechargez l'atelier.",
  invalid_body: 'Valeur refusée : un badge est un identifiant hexadécimal (8 à 20 caractères).',
};

const NETWORK_LABELS = { up: 'Connecté', connecting: 'Reconnexion…', cut: 'Coupé' } as const;

function distanceLabel(distanceCm: number | null): string {
  return distanceCm === null ? "Pas d'écho" : `${Math.round(distanceCm)} cm`;
}

/**
 * One simulated locker on the bench: what the server believes (live, from the locker's own
 * reports) beside the simulated hardware, and the hands of a person standing in front of it.
 */
export function WorkbenchLockerCard({ card, demoBadgeUid, commands, onCard, onSessionLost }: WorkbenchLockerCardProps) {
  const [busy, setBusy] = useState<WorkbenchAction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [badge, setBadge] = useState(demoBadgeUid ?? '');
  const { id, locker, hardware } = card;
  const network = networkState(hardware);

  async function act(action: WorkbenchAction, run: () => Promise<WorkbenchLocker>) {
    setBusy(action);
    setError(null);
    try {
      onCard(await run());
    } catch (failure) {
      const { code } = asApiError(failure);
      if (code === 'unauthenticated') onSessionLost();
      setError(WORKBENCH_MESSAGES[code] ?? messageFor(code));
    } finally {
      setBusy(null);
    }
  }

  const button = (
    action: WorkbenchAction,
    testId: string,
    label: string,
    run: () => Promise<WorkbenchLocker>,
    options: { current?: boolean; tone?: 'primary' | 'ghost' | 'danger' } = {},
  ) => (
    <button
      type="button"
      class={`btn btn--small btn--${options.tone ?? 'ghost'}`}
      data-testid={testId}
      aria-pressed={options.current ?? false}
      disabled={busy !== null || !hardware.supports[action] || options.current === true}
      onClick={() => void act(action, run)}
    >
      {label}
    </button>
  );

  return (
    <section
      class={`frame wb-card ${locker?.online ? 'frame--active' : 'frame--dim'}`}
      data-testid={`wb-locker-${id}`}
      aria-labelledby={`wb-name-${id}`}
    >
      <header class="locker__head">
        <div class="locker__identity">
          {locker && (
            <span class={`chip chip--${locker.type}`} data-state={locker.type}>
              {lockerTypeLabel(locker.type)}
            </span>
          )}
          <h2 class="locker__name" id={`wb-name-${id}`}>
            {locker?.name ?? id}
          </h2>
          <p class="locker__meta">{id}</p>
        </div>
        <OnlineBadge online={locker?.online ?? false} />
      </header>

      <div class="wb-views">
        <div class="wb-view">
          <h3 class="wb-view__title">Vu par le serveur</h3>
          {locker ? (
            <div class="wb-tiles">
              <LockerFactTiles
                locker={locker}
                testIds={{ door: 'wb-server-door', lock: 'wb-server-lock', object: 'wb-server-object' }}
              />
              {locker.lockdown && (
                <StateTile
                  caption="Sécurité"
                  label="Verrouillage"
                  state="lockdown"
                  tone="alert"
                  testId="wb-server-lockdown"
                />
              )}
            </div>
          ) : (
            <p class="wb-view__empty">Casier inconnu du serveur.</p>
          )}
        </div>

        <div class="wb-view">
          <h3 class="wb-view__title">Matériel simulé</h3>
          <div class="wb-tiles">
            <StateTile
              caption="Porte réelle"
              label={hardware.door === 'open' ? 'Ouverte' : hardware.door === 'closed' ? 'Fermée' : 'Inconnue'}
              state={hardware.door}
              tone={hardware.door === 'open' ? 'alert' : 'good'}
              testId="wb-hw-door"
            />
            <StateTile
              caption="Gâche"
              label={hardware.relayEnergised ? 'Alimentée' : 'Au repos'}
              state={hardware.relayEnergised ? 'energised' : 'released'}
              tone={hardware.relayEnergised ? 'alert' : 'good'}
              testId="wb-hw-relay"
            />
            <StateTile
              caption="Capteur"
              label={distanceLabel(hardware.distanceCm)}
              state={String(hardware.objectPresent)}
              tone="neutral"
              testId="wb-hw-distance"
            />
            <StateTile
              caption="Réseau"
              label={
                hardware.queued > 0
                  ? `${NETWORK_LABELS[network]} · ${hardware.queued} en attente`
                  : NETWORK_LABELS[network]
              }
              state={network}
              tone={network === 'up' ? 'good' : 'alert'}
              testId="wb-hw-network"
            />
          </div>
        </div>
      </div>

      <fieldset class="wb-actions">
        <legend class="visually-hidden">Actions sur {id}</legend>
        <span class="wb-actions__label">Porte</span>
        {button('door', 'wb-door-open', 'Ouvrir à la main', () => commands.setDoor(id, 'open'), {
          current: hardware.door === 'open',
        })}
        {button('door', 'wb-door-close', 'Fermer', () => commands.setDoor(id, 'closed'), {
          current: hardware.door === 'closed',
        })}

        <span class="wb-actions__label">Objet</span>
        {button('object', 'wb-object-put', 'Déposer', () => commands.setObject(id, true), {
          current: hardware.objectPresent,
        })}
        {button('object', 'wb-object-remove', 'Retirer', () => commands.setObject(id, false), {
          current: !hardware.objectPresent,
        })}

        <span class="wb-actions__label">Réseau</span>
        {button('network', 'wb-network-cut', 'Couper', () => commands.setNetwork(id, false), {
          current: hardware.network === 'cut',
          tone: 'danger',
        })}
        {button('network', 'wb-network-restore', 'Rétablir', () => commands.setNetwork(id, true), {
          current: hardware.network === 'up',
        })}
      </fieldset>

      <form
        class="wb-badge"
        onSubmit={(event) => {
          event.preventDefault();
          void act('badge', () => commands.presentBadge(id, badge));
        }}
      >
        <label class="field__label" for={`wb-badge-${id}`}>
          Badge (UID)
        </label>
        <div class="wb-badge__row">
          <div class="field__box wb-badge__box">
            <input
              id={`wb-badge-${id}`}
              class="field__input wb-badge__input"
              value={badge}
              onInput={(event) => setBadge(event.currentTarget.value)}
              placeholder="04A1B2C3"
              autoCapitalize="characters"
              autoComplete="off"
              spellcheck={false}
              data-testid="wb-badge-uid"
            />
          </div>
          <button
            type="submit"
            class="btn btn--small btn--primary"
            data-testid="wb-badge"
            disabled={busy !== null || !hardware.supports.badge || badge.trim() === ''}
          >
            Présenter
          </button>
        </div>
        {demoBadgeUid && badge === demoBadgeUid && (
          <p class="wb-badge__hint">Badge administrateur de démo : il ouvre le casier, même sans réseau.</p>
        )}
      </form>

      <FormError message={error} testId="wb-error" />
    </section>
  );
}
