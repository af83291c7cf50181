import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import type { Me, User } from '../api/types';
import { BrandMark } from '../components/BrandMark';
import { PremiumToggle } from '../components/PremiumToggle';
import { DeleteAccountPanel } from '../components/settings/DeleteAccountPanel';
import { EmailForm } from '../components/settings/EmailForm';
import { PairedLockerPanel } from '../components/settings/PairedLockerPanel';
import { PasswordForm } from '../components/settings/PasswordForm';
import { PhotoEditor } from '../components/settings/PhotoEditor';
import { PseudoForm } from '../components/settings/PseudoForm';
import { PushPanel } from '../components/settings/PushPanel';
import { SessionPanel } from '../components/settings/SessionPanel';

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
          Retour
        </button>
      </header>

      <main class="page__main">
        <h1 class="page__title">Réglages</h1>

        <Section title="Profil" testId="settings-profile">
          <PhotoEditor user={user} onUserChange={setUser} onSessionLost={onSessionLost} />
          <PseudoForm user={user} onUserChange={setUser} onSessionLost={onSessionLost} />
        </Section>

        <Section title="E-mail" testId="settings-email-section">
          <EmailForm me={me} onMeChange={onMeChange} onSessionLost={onSessionLost} />
        </Section>

        <Section title="Mot de passe" testId="settings-password-section">
          {user.hasPassword === false ? (
            <p class="settings-form__hint" data-testid="settings-no-password">
              Vous vous connectez avec Google : ce compte n'a pas de mot de passe SmartLocker. Pour en définir un,
              utilisez « Mot de passe oublié ? » sur la page de connexion.
            </p>
          ) : (
            <PasswordForm onSessionLost={onSessionLost} />
          )}
        </Section>

        <Section title="Mon casier" testId="settings-locker-section">
          <PairedLockerPanel
            locker={me.locker}
            onUnpaired={() => onMeChange({ ...me, locker: null })}
            onPairLocker={onBack}
            onSessionLost={onSessionLost}
          />
        </Section>

        {me.demoMode && (
          <Section title="Premium (démo)" testId="settings-premium-section">
            <p class="settings-form__hint">
              Mode démo : activez ou coupez Premium vous-même pour essayer les casiers sport.
            </p>
            <p class="settings__plan">
              Statut actuel :{' '}
              <span class={`badge ${user.premium ? 'badge--premium' : 'badge--plain'}`} data-testid="settings-plan">
                {user.premium ? 'Premium' : 'Standard'}
              </span>
            </p>
            <PremiumToggle premium={user.premium} onUserChange={setUser} onSessionLost={onSessionLost} />
          </Section>
        )}

        <Section title="Notifications" testId="settings-push-section">
          <PushPanel onSessionLost={onSessionLost} />
        </Section>

        <Section title="Sessions" testId="settings-sessions-section">
          <SessionPanel onSignedOut={onSignedOut} onSessionLost={onSessionLost} />
        </Section>

        <Section title="Zone sensible" testId="settings-danger-section" tone="danger">
          <DeleteAccountPanel
            hasPassword={user.hasPassword !== false}
            onDeleted={() => onSignedOut('Votre compte a été supprimé.')}
            onSessionLost={onSessionLost}
          />
        </Section>
      </main>
    </div>
  );
}
