import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import type { Me, User } from '../api/types';
import { BrandMark } from '../components/BrandMark';
import { PremiumToggle } from '../components/PremiumToggle';
import { DeleteAccountPanel } from '../components/settings/DeleteAccountPanel';
import { EmailForm } from '../components/settings/EmailForm';
import { LanguagePanel } from '../components/settings/LanguagePanel';
import { NotificationPanel } from '../components/settings/NotificationPanel';
import { PairedLockerPanel } from '../components/settings/PairedLockerPanel';
import { PasswordForm } from '../components/settings/PasswordForm';
import { PhotoEditor } from '../components/settings/PhotoEditor';
import { PseudoForm } from '../components/settings/PseudoForm';
import { PushPanel } from '../components/settings/PushPanel';
import { SessionPanel } from '../components/settings/SessionPanel';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    back: 'Retour',
    title: 'Réglages',
    profile: 'Profil',
    email: 'E-mail',
    password: 'Mot de passe',
    noPassword:
      "Vous vous connectez avec Google : ce compte n'a pas de mot de passe SmartLocker. Pour en définir un, utilisez « Mot de passe oublié ? » sur la page de connexion.",
    language: 'Langue',
    locker: 'Mon casier',
    premium: 'Premium (démo)',
    premiumHint: 'Mode démo : activez ou coupez Premium vous-même pour essayer les casiers sport.',
    plan: 'Statut actuel :',
    premiumPlan: 'Premium',
    standardPlan: 'Standard',
    notifications: 'Notifications',
    sessions: 'Sessions',
    danger: 'Zone sensible',
    deleted: 'Votre compte a été supprimé.',
  },
  en: {
    back: 'Back',
    title: 'Settings',
    profile: 'Profile',
    email: 'E-mail',
    password: 'Password',
    noPassword:
      'You sign in with Google: this account has no SmartLocker password. To set one, use “Forgotten password?” on the sign-in page.',
    language: 'Language',
    locker: 'My locker',
    premium: 'Premium (demo)',
    premiumHint: 'Demo mode: turn Premium on or off yourself to try the sport lockers.',
    plan: 'Current plan:',
    premiumPlan: 'Premium',
    standardPlan: 'Standard',
    notifications: 'Notifications',
    sessions: 'Sessions',
    danger: 'Danger zone',
    deleted: 'Your account has been deleted.',
  },
});

interface SettingsScreenProps {
  me: Me;
  onMeChange(me: Me): void;
  onBack(): void;
  onSignedOut(notice?: string): void;
  onSessionLost(): void;
}

interface SectionProps {
  title: string;
  testId: string;
  tone?: 'danger';
  children: ComponentChildren;
}

function Section({ title, testId, tone, children }: SectionProps) {
  const id = `${testId}-title`;
  return (
    <section
      class={`frame settings__section ${tone ? `settings__section--${tone}` : ''}`}
      data-testid={testId}
      aria-labelledby={id}
    >
      <h2 class="section-title section-title--small" id={id}>
        {title}
      </h2>
      {children}
    </section>
  );
}

/**
 * "Réglages" (SPEC §3): photo, pseudo, e-mail, password, paired locker, push reminders, sessions,
 * account deletion.
 */
export function SettingsScreen({ me, onMeChange, onBack, onSignedOut, onSessionLost }: SettingsScreenProps) {
  const { user } = me;
  const setUser = (next: User) => onMeChange({ ...me, user: next });
  const t = text();

  // The home screen pairs and unpairs on its own: start from what the server says now.
  useEffect(() => {
    let live = true;
    api.me().then(
      (fresh) => {
        if (live) onMeChange(fresh);
      },
      (error: unknown) => {
        if (live && asApiError(error).code === 'unauthenticated') onSessionLost();
      },
    );
    return () => {
      live = false;
    };
    // Once per visit to the screen: refreshing on every prop change would loop.
  }, []);

  return (
    <div class="page settings">
      <header class="app-header">
        <BrandMark />
        <button type="button" class="btn btn--ghost btn--small" data-testid="settings-back" onClick={onBack}>
          {t.back}
        </button>
      </header>

      <main class="page__main">
        <h1 class="page__title">{t.title}</h1>

        <Section title={t.profile} testId="settings-profile">
          <PhotoEditor user={user} onUserChange={setUser} onSessionLost={onSessionLost} />
          <PseudoForm user={user} onUserChange={setUser} onSessionLost={onSessionLost} />
        </Section>

        <Section title={t.email} testId="settings-email-section">
          <EmailForm me={me} onMeChange={onMeChange} onSessionLost={onSessionLost} />
        </Section>

        <Section title={t.password} testId="settings-password-section">
          {user.hasPassword === false ? (
            <p class="settings-form__hint" data-testid="settings-no-password">
              {t.noPassword}
            </p>
          ) : (
            <PasswordForm onSessionLost={onSessionLost} />
          )}
        </Section>

        <Section title={t.language} testId="settings-language-section">
          <LanguagePanel onSessionLost={onSessionLost} />
        </Section>

        <Section title={t.locker} testId="settings-locker-section">
          <PairedLockerPanel
            locker={me.locker}
            onUnpaired={() => onMeChange({ ...me, locker: null })}
            onPairLocker={onBack}
            onSessionLost={onSessionLost}
          />
        </Section>

        {me.demoMode && (
          <Section title={t.premium} testId="settings-premium-section">
            <p class="settings-form__hint">{t.premiumHint}</p>
            <p class="settings__plan">
              {t.plan}{' '}
              <span class={`badge ${user.premium ? 'badge--premium' : 'badge--plain'}`} data-testid="settings-plan">
                {user.premium ? t.premiumPlan : t.standardPlan}
              </span>
            </p>
            <PremiumToggle premium={user.premium} onUserChange={setUser} onSessionLost={onSessionLost} />
          </Section>
        )}

        <Section title={t.notifications} testId="settings-push-section">
          <PushPanel onSessionLost={onSessionLost} />
          <NotificationPanel onSessionLost={onSessionLost} />
        </Section>

        <Section title={t.sessions} testId="settings-sessions-section">
          <SessionPanel onSignedOut={onSignedOut} onSessionLost={onSessionLost} />
        </Section>

        <Section title={t.danger} testId="settings-danger-section" tone="danger">
          <DeleteAccountPanel
            hasPassword={user.hasPassword !== false}
            onDeleted={() => onSignedOut(text().deleted)}
            onSessionLost={onSessionLost}
          />
        </Section>
      </main>
    </div>
  );
}
