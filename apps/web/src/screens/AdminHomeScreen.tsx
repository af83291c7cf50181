import { useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageForError } from '../api/errorMessages';
import { ADMIN_HISTORY_CSV_URL } from '../api/sessions';
import type { LockerView, Me } from '../api/types';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { OnlineBadge } from '../components/OnlineBadge';
import { Avatar } from '../components/settings/Avatar';
import { doorLabel, lockerTypeLabel } from '../i18n/lockerLabels';

interface AdminHomeScreenProps {
  me: Me & { lockers?: LockerView[] };
  onOpenSettings(): void;
  onOpenHome(): void;
  /** The simulator workbench, when this build has it. */
  onOpenWorkbench?: () => void;
  onSignedOut(): void;
  onSessionLost(): void;
}

/** What the full admin panel (SPEC §9, a later issue) will hold. */
const PLANNED = [
  'Utilisateurs : pseudo, e-mail, Premium, nombre de sessions et revenu par utilisateur, revenu total.',
  'État en direct de chaque casier.',
  'Actions : accorder ou retirer Premium, dissocier de force, effacer les données d’un utilisateur, lever un verrouillage, libérer un casier.',
];

/**
 * Where administrators land after signing in (SPEC §3). A placeholder until the admin panel
 * issue: it says what will be here and links to what exists already.
 */
export function AdminHomeScreen({
  me,
  onOpenSettings,
  onOpenHome,
  onOpenWorkbench,
  onSignedOut,
  onSessionLost,
}: AdminHomeScreenProps) {
  const [error, setError] = useState<string | null>(null);
  const [signingOut, setSigningOut] = useState(false);
  const lockers = me.lockers ?? (me.locker ? [me.locker] : []);

  async function signOut() {
    setSigningOut(true);
    setError(null);
    try {
      await api.signOut();
      onSignedOut();
    } catch (failure) {
      const apiError = asApiError(failure);
      if (apiError.code === 'unauthenticated') onSessionLost();
      else setError(messageForError(apiError));
      setSigningOut(false);
    }
  }

  return (
    <div class="page admin-home" data-testid="admin-home">
      <header class="app-header">
        <BrandMark />
        <button
          type="button"
          class="btn btn--ghost btn--small"
          data-testid="signout"
          onClick={() => void signOut()}
          disabled={signingOut}
        >
          Déconnexion
        </button>
      </header>

      <main class="page__main">
        <section class="account" aria-label="Votre compte">
          <Avatar user={me.user} />
          <div class="account__identity">
            <span class="account__hello">Administration</span>
            <strong class="account__pseudo" data-testid="user-pseudo">
              {me.user.name}
            </strong>
          </div>
          <span class="badge badge--admin" data-testid="user-role">
            Admin
          </span>
        </section>
        <FormError message={error} testId="action-error" />

        <section class="frame frame--active" aria-labelledby="admin-title">
          <h1 class="section-title" id="admin-title">
            Panneau d'administration
          </h1>
          <p class="notice admin-home__soon" data-testid="admin-placeholder">
            <strong class="notice__title">En construction</strong>
            Le panneau complet arrive avec une prochaine version. Il contiendra :
          </p>
          <ul class="admin-home__planned">
            {PLANNED.map((item) => (
              <li key={item}>{item}</li>
            ))}
          </ul>
        </section>

        <section class="frame" aria-labelledby="admin-lockers-title" data-testid="admin-lockers">
          <h2 class="section-title section-title--small" id="admin-lockers-title">
            Casiers
          </h2>
          {lockers.length === 0 ? (
            <p class="settings-form__hint">
              La liste de tous les casiers et leur état en direct arriveront avec le panneau complet.
            </p>
          ) : (
            <ul class="admin-home__lockers">
              {lockers.map((locker) => (
                <li key={locker.id} class="admin-home__locker" data-testid="admin-locker" data-locker-id={locker.id}>
                  <span class={`chip chip--${locker.type}`}>{lockerTypeLabel(locker.type)}</span>
                  <span class="admin-home__locker-name">
                    <strong>{locker.name}</strong>
                    <span class="admin-home__locker-meta">
                      {locker.id} · porte {doorLabel(locker.door).toLowerCase()}
                    </span>
                  </span>
                  <OnlineBadge online={locker.online} />
                </li>
              ))}
            </ul>
          )}
        </section>

        <nav class="admin-home__links" aria-label="Raccourcis">
          {onOpenWorkbench && (
            <button
              type="button"
              class="btn btn--primary btn--block"
              data-testid="admin-open-workbench"
              onClick={onOpenWorkbench}
            >
              Atelier des casiers
            </button>
          )}
          <a class="btn btn--ghost btn--block" href={ADMIN_HISTORY_CSV_URL} download data-testid="admin-export-csv">
            Exporter l'historique de tous (CSV)
          </a>
          <button type="button" class="btn btn--ghost btn--block" data-testid="admin-open-home" onClick={onOpenHome}>
            Mon casier (espace membre)
          </button>
          <button type="button" class="btn btn--ghost btn--block" data-testid="open-settings" onClick={onOpenSettings}>
            Réglages
          </button>
        </nav>
      </main>
    </div>
  );
}
