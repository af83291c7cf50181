import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { adminApi } from '../api/admin';
import type { AdminOverview } from '../api/adminOverview';
import { type AlarmView, alertsApi, mergeAlarm } from '../api/alerts';
import { api, asApiError } from '../api/client';
import { messageForError } from '../api/errorMessages';
import { ADMIN_HISTORY_CSV_URL } from '../api/sessions';
import type { LockerView, Me } from '../api/types';
import { reportAdminFailure } from '../components/admin/adminErrors';
import { createFleetFeed } from '../components/admin/fleetFeed';
import { OverviewSection } from '../components/admin/OverviewSection';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { lazyPart } from '../components/lazyScreen';
import { ReconnectIndicator } from '../components/ReconnectIndicator';
import { Avatar } from '../components/settings/Avatar';
import { defineMessages } from '../i18n/messages';
import { useLiveEvents } from '../live/useLiveEvents';
import '../components/admin/admin.css';

const text = defineMessages({
  fr: {
    signOut: 'Déconnexion',
    account: 'Votre compte',
    administration: 'Administration',
    admin: 'Admin',
    title: 'Panneau d’administration',
    sections: 'Sections du panneau',
    overview: 'Aperçu',
    users: 'Utilisateurs',
    lockers: 'Casiers',
    provisioning: 'Installation',
    revenue: 'Revenus',
    audit: 'Audit',
    shortcuts: 'Raccourcis',
    workbench: 'Atelier des casiers',
    exportAll: "Exporter l'historique de tous (CSV)",
    home: 'Mon casier (espace membre)',
    settings: 'Réglages',
    alarmsBadge: (count: number) => `${count} alarme${count > 1 ? 's' : ''} en cours`,
    loadingSection: 'Chargement de la section…',
    retry: 'Réessayer',
  },
  en: {
    signOut: 'Sign out',
    account: 'Your account',
    administration: 'Administration',
    admin: 'Admin',
    title: 'Admin panel',
    sections: 'Panel sections',
    overview: 'Overview',
    users: 'Users',
    lockers: 'Lockers',
    provisioning: 'Provisioning',
    revenue: 'Revenue',
    audit: 'Audit',
    shortcuts: 'Shortcuts',
    workbench: 'Lockers workbench',
    exportAll: 'Export everyone’s history (CSV)',
    home: 'My locker (member area)',
    settings: 'Settings',
    alarmsBadge: (count: number) => `${count} alarm${count > 1 ? 's' : ''} in progress`,
    loadingSection: 'Loading the section…',
    retry: 'Try again',
  },
});

// The overview is what an administrator lands on; the other sections' code loads when first
// opened, so the panel's first paint waits only for the overview's (issue 12, LCP).
const partLabels = () => ({ loading: text().loadingSection, retry: text().retry });
const UsersSection = lazyPart(() => import('../components/admin/UsersSection').then((m) => m.UsersSection), partLabels);
const LockersSection = lazyPart(
  () => import('../components/admin/LockersSection').then((m) => m.LockersSection),
  partLabels,
);
const ProvisioningSection = lazyPart(
  () => import('../components/admin/ProvisioningSection').then((m) => m.ProvisioningSection),
  partLabels,
);
const RevenueSection = lazyPart(
  () => import('../components/admin/RevenueSection').then((m) => m.RevenueSection),
  partLabels,
);
const AuditSection = lazyPart(() => import('../components/admin/AuditSection').then((m) => m.AuditSection), partLabels);

const SECTIONS = ['overview', 'users', 'lockers', 'provisioning', 'revenue', 'audit'] as const;
export type AdminSection = (typeof SECTIONS)[number];

/** Each section has an address (`/admin#casiers`), so a reload or a shared link opens it. */
const HASHES: Record<AdminSection, string> = {
  overview: 'apercu',
  users: 'utilisateurs',
  lockers: 'casiers',
  provisioning: 'installation',
  revenue: 'revenus',
  audit: 'audit',
};

export function sectionFromHash(hash: string): AdminSection {
  const wanted = hash.replace(/^#/, '');
  return SECTIONS.find((section) => HASHES[section] === wanted) ?? 'overview';
}

interface AdminHomeScreenProps {
  me: Me & { lockers?: LockerView[] };
  onOpenSettings(): void;
  onOpenHome(): void;
  /** The simulator workbench, when this build has it. */
  onOpenWorkbench?: () => void;
  onSignedOut(): void;
  onSessionLost(): void;
  /** A locker's page (its state, lockdown, alarms). */
  onOpenLocker(lockerId: string): void;
  onStreamRefused(): void;
}

/**
 * The admin panel (SPEC §9, issue 11), where administrators land after signing in: the fleet's
 * overview, people, lockers, provisioning, revenue and the audit trail. One event stream feeds
 * the counters, the alarms and the lockers on screen; nothing polls.
 */
export function AdminHomeScreen({
  me,
  onOpenSettings,
  onOpenHome,
  onOpenWorkbench,
  onSignedOut,
  onSessionLost,
  onOpenLocker,
  onStreamRefused,
}: AdminHomeScreenProps) {
  const [section, setSection] = useState<AdminSection>(() => sectionFromHash(window.location.hash));
  const [error, setError] = useState<string | null>(null);
  const [overview, setOverview] = useState<AdminOverview | null>(null);
  const [overviewError, setOverviewError] = useState<string | null>(null);
  const [alarms, setAlarms] = useState<AlarmView[]>([]);
  const feed = useMemo(createFleetFeed, []);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);

  const connection = useLiveEvents('admin-home', {
    onLocker: () => {},
    onCommand: () => {},
    onAlarm: (alarm) => setAlarms((all) => mergeAlarm(all, alarm)),
    onFleetLocker: (view) => feed.publishLocker(view),
    onOverview: (next) => {
      setOverview(next);
      setOverviewError(null);
      feed.publishOverview(next);
    },
    onGaveUp: onStreamRefused,
  });

  const sessionLost = useRef(onSessionLost);
  sessionLost.current = onSessionLost;
  useEffect(() => {
    alertsApi
      .alarms()
      .then(setAlarms, (failure: unknown) => reportAdminFailure(failure, sessionLost.current, setError));
    adminApi
      .overview()
      .then(setOverview, (failure: unknown) => reportAdminFailure(failure, sessionLost.current, setOverviewError));
  }, []);

  useEffect(() => {
    const onHashChange = () => setSection(sectionFromHash(window.location.hash));
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  // After choosing a section, focus its heading so a screen reader starts there (not on load).
  useEffect(() => {
    if (moved.current) headingRef.current?.focus();
  }, [section]);

  function open(next: AdminSection) {
    moved.current = true;
    const hash = `#${HASHES[next]}`;
    if (window.location.hash !== hash) window.history.replaceState(null, '', `/admin${hash}`);
    setSection(next);
  }

  const [signingOut, setSigningOut] = useState(false);
  const t = text();

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

  const labels: Record<AdminSection, string> = {
    overview: t.overview,
    users: t.users,
    lockers: t.lockers,
    provisioning: t.provisioning,
    revenue: t.revenue,
    audit: t.audit,
  };
  const activeAlarms = alarms.filter((alarm) => alarm.state === 'active').length;

  return (
    <div class="page admin-panel" data-testid="admin-home" data-section={section}>
      <header class="app-header admin-panel__header">
        <BrandMark />
        <div class="admin-panel__me">
          <Avatar user={me.user} />
          <span class="admin-panel__identity">
            <span class="account__hello">{t.administration}</span>
            <strong class="account__pseudo" data-testid="user-pseudo">
              {me.user.name}
            </strong>
          </span>
          <span class="badge badge--admin" data-testid="user-role">
            {t.admin}
          </span>
        </div>
        <button
          type="button"
          class="btn btn--ghost btn--small"
          data-testid="signout"
          onClick={() => void signOut()}
          disabled={signingOut}
        >
          {t.signOut}
        </button>
      </header>
      {connection === 'reconnecting' && <ReconnectIndicator />}

      <div class="admin-panel__body">
        <nav class="admin-nav" aria-label={t.sections}>
          <ul class="admin-nav__list">
            {SECTIONS.map((key) => (
              <li key={key}>
                <a
                  href={`/admin#${HASHES[key]}`}
                  class={`admin-nav__link${section === key ? ' admin-nav__link--current' : ''}`}
                  aria-current={section === key ? 'page' : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    open(key);
                  }}
                  data-testid={`admin-nav-${key}`}
                >
                  {labels[key]}
                  {key === 'overview' && activeAlarms > 0 && (
                    <span class="admin-nav__count" data-testid="admin-nav-alarms">
                      <span aria-hidden="true">{activeAlarms}</span>
                      <span class="visually-hidden">{t.alarmsBadge(activeAlarms)}</span>
                    </span>
                  )}
                </a>
              </li>
            ))}
          </ul>
        </nav>

        <main class="page__main admin-panel__main">
          <h1 class="page__title admin-panel__title" tabIndex={-1} ref={headingRef} data-testid="admin-section-title">
            <span class="visually-hidden">{t.title} — </span>
            {labels[section]}
          </h1>
          <FormError message={error} testId="action-error" />
          {section === 'overview' && (
            <>
              <OverviewSection
                overview={overview}
                error={overviewError}
                alarms={alarms}
                onAlarmChanged={(alarm) => setAlarms((all) => mergeAlarm(all, alarm))}
                onSessionLost={onSessionLost}
                onOpenLocker={onOpenLocker}
              />
              <nav class="admin-home__links" aria-label={t.shortcuts}>
                {onOpenWorkbench && (
                  <button
                    type="button"
                    class="btn btn--ghost btn--block"
                    data-testid="admin-open-workbench"
                    onClick={onOpenWorkbench}
                  >
                    {t.workbench}
                  </button>
                )}
                <a
                  class="btn btn--ghost btn--block"
                  href={ADMIN_HISTORY_CSV_URL}
                  download
                  data-testid="admin-export-csv"
                >
                  {t.exportAll}
                </a>
                <button
                  type="button"
                  class="btn btn--ghost btn--block"
                  data-testid="admin-open-home"
                  onClick={onOpenHome}
                >
                  {t.home}
                </button>
                <button
                  type="button"
                  class="btn btn--ghost btn--block"
                  data-testid="open-settings"
                  onClick={onOpenSettings}
                >
                  {t.settings}
                </button>
              </nav>
            </>
          )}
          {section === 'users' && <UsersSection onSessionLost={onSessionLost} />}
          {section === 'lockers' && (
            <LockersSection feed={feed} onSessionLost={onSessionLost} onOpenLocker={onOpenLocker} />
          )}
          {section === 'provisioning' && (
            <ProvisioningSection onSessionLost={onSessionLost} onOpenFleet={() => open('lockers')} />
          )}
          {section === 'revenue' && (
            <RevenueSection onSessionLost={onSessionLost} timeZone={overview?.revenue.timeZone ?? 'Europe/Brussels'} />
          )}
          {section === 'audit' && <AuditSection onSessionLost={onSessionLost} />}
        </main>
      </div>
    </div>
  );
}
