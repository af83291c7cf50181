import { useState } from 'preact/hooks';
import { asApiError } from '../../api/client';
import { messageFor } from '../../api/errorMessages';
import type { WorkbenchAction, WorkbenchLocker } from '../../api/workbench';
import { lockerTypeLabel } from '../../i18n/lockerLabels';
import { defineMessages } from '../../i18n/messages';
import { FormError } from '../FormError';
import { LockerFactTiles } from '../LockerFactTiles';
import { OnlineBadge } from '../OnlineBadge';
import { StateTile } from '../StateTile';
import { networkState } from './workbenchCards';

const text = defineMessages({
  fr: {
    not_supported: 'Ce simulateur ne sait pas encore faire cette action.',
    unknown_locker: "Ce casier n'est plus simulé par le serveur. Rechargez l'atelier.",
    invalid_body: 'Valeur refusée : un badge est un identifiant hexadécimal (8 à 20 caractères).',
    up: 'Connecté',
    connecting: 'Reconnexion…',
    cut: 'Coupé',
    noEcho: "Pas d'écho",
    serverView: 'Vu par le serveur',
    security: 'Sécurité',
    lockdown: 'Verrouillage',
    unknownToServer: 'Casier inconnu du serveur.',
    hardware: 'Matériel simulé',
    realDoor: 'Porte réelle',
    open: 'Ouverte',
    closed: 'Fermée',
    unknown: 'Inconnue',
    strike: 'Gâche',
    energised: 'Alimentée',
    released: 'Au repos',
    sensor: 'Capteur',
    network: 'Réseau',
    queued: (label: string, count: number) => `${label} · ${count} en attente`,
    actionsOn: (id: string) => `Actions sur ${id}`,
    door: 'Porte',
    openByHand: 'Ouvrir à la main',
    close: 'Fermer',
    object: 'Objet',
    put: 'Déposer',
    remove: 'Retirer',
    cutAction: 'Couper',
    restore: 'Rétablir',
    badge: 'Badge (UID)',
    present: 'Présenter',
    adminBadge: 'Badge administrateur de démo : il ouvre le casier, même sans réseau.',
  },
  en: {
    not_supported: 'This simulator cannot do this action yet.',
    unknown_locker: 'The server no longer simulates this locker. Reload the workbench.',
    invalid_body: 'Value refused: a badge is a hexadecimal id (8 to 20 characters).',
    up: 'Connected',
    connecting: 'Reconnecting…',
    cut: 'Cut',
    noEcho: 'No echo',
    serverView: 'Seen by the server',
    security: 'Security',
    lockdown: 'Lockdown',
    unknownToServer: 'Locker unknown to the server.',
    hardware: 'Simulated hardware',
    realDoor: 'Actual door',
    open: 'Open',
    closed: 'Closed',
    unknown: 'Unknown',
    strike: 'Strike',
    energised: 'Energised',
    released: 'At rest',
    sensor: 'Sensor',
    network: 'Network',
    queued: (label: string, count: number) => `${label} · ${count} queued`,
    actionsOn: (id: string) => `Actions on ${id}`,
    door: 'Door',
    openByHand: 'Open by hand',
    close: 'Close',
    object: 'Object',
    put: 'Put in',
    remove: 'Take out',
    cutAction: 'Cut',
    restore: 'Restore',
    badge: 'Badge (UID)',
    present: 'Present',
    adminBadge: 'Demo administrator badge: it opens the locker, even without network.',
  },
});

const WORKBENCH_CODES = ['not_supported', 'unknown_locker', 'invalid_body'] as const;
type WorkbenchCode = (typeof WORKBENCH_CODES)[number];
const isWorkbenchCode = (code: string): code is WorkbenchCode => (WORKBENCH_CODES as readonly string[]).includes(code);

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

function distanceLabel(distanceCm: number | null): string {
  return distanceCm === null ? text().noEcho : `${Math.round(distanceCm)} cm`;
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
  const t = text();

  async function act(action: WorkbenchAction, run: () => Promise<WorkbenchLocker>) {
    setBusy(action);
    setError(null);
    try {
      onCard(await run());
    } catch (failure) {
      const { code } = asApiError(failure);
      if (code === 'unauthenticated') onSessionLost();
      setError(isWorkbenchCode(code) ? text()[code] : messageFor(code));
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
          <h3 class="wb-view__title">{t.serverView}</h3>
          {locker ? (
            <div class="wb-tiles">
              <LockerFactTiles
                locker={locker}
                testIds={{ door: 'wb-server-door', lock: 'wb-server-lock', object: 'wb-server-object' }}
              />
              {locker.lockdown && (
                <StateTile
                  caption={t.security}
                  label={t.lockdown}
                  state="lockdown"
                  tone="alert"
                  testId="wb-server-lockdown"
                />
              )}
            </div>
          ) : (
            <p class="wb-view__empty">{t.unknownToServer}</p>
          )}
        </div>

        <div class="wb-view">
          <h3 class="wb-view__title">{t.hardware}</h3>
          <div class="wb-tiles">
            <StateTile
              caption={t.realDoor}
              label={hardware.door === 'open' ? t.open : hardware.door === 'closed' ? t.closed : t.unknown}
              state={hardware.door}
              tone={hardware.door === 'open' ? 'alert' : 'good'}
              testId="wb-hw-door"
            />
            <StateTile
              caption={t.strike}
              label={hardware.relayEnergised ? t.energised : t.released}
              state={hardware.relayEnergised ? 'energised' : 'released'}
              tone={hardware.relayEnergised ? 'alert' : 'good'}
              testId="wb-hw-relay"
            />
            <StateTile
              caption={t.sensor}
              label={distanceLabel(hardware.distanceCm)}
              state={String(hardware.objectPresent)}
              tone="neutral"
              testId="wb-hw-distance"
            />
            <StateTile
              caption={t.network}
              label={hardware.queued > 0 ? t.queued(t[network], hardware.queued) : t[network]}
              state={network}
              tone={network === 'up' ? 'good' : 'alert'}
              testId="wb-hw-network"
            />
          </div>
        </div>
      </div>

      <fieldset class="wb-actions">
        <legend class="visually-hidden">{t.actionsOn(id)}</legend>
        <span class="wb-actions__label">{t.door}</span>
        {button('door', 'wb-door-open', t.openByHand, () => commands.setDoor(id, 'open'), {
          current: hardware.door === 'open',
        })}
        {button('door', 'wb-door-close', t.close, () => commands.setDoor(id, 'closed'), {
          current: hardware.door === 'closed',
        })}

        <span class="wb-actions__label">{t.object}</span>
        {button('object', 'wb-object-put', t.put, () => commands.setObject(id, true), {
          current: hardware.objectPresent,
        })}
        {button('object', 'wb-object-remove', t.remove, () => commands.setObject(id, false), {
          current: !hardware.objectPresent,
        })}

        <span class="wb-actions__label">{t.network}</span>
        {button('network', 'wb-network-cut', t.cutAction, () => commands.setNetwork(id, false), {
          current: hardware.network === 'cut',
          tone: 'danger',
        })}
        {button('network', 'wb-network-restore', t.restore, () => commands.setNetwork(id, true), {
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
          {t.badge}
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
            {t.present}
          </button>
        </div>
        {demoBadgeUid && badge === demoBadgeUid && <p class="wb-badge__hint">{t.adminBadge}</p>}
      </form>

      <FormError message={error} testId="wb-error" />
    </section>
  );
}
