import { accountApi } from '../../api/account';
import { api } from '../../api/client';
import { defineMessages } from '../../i18n/messages';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: {
    everywhereDone: 'Vous avez été déconnecté de tous vos appareils.',
    busy: 'Déconnexion…',
    signOut: 'Se déconnecter',
    everywhere: 'Se déconnecter de tous les appareils',
  },
  en: {
    everywhereDone: 'You have been signed out of all your devices.',
    busy: 'Signing out…',
    signOut: 'Sign out',
    everywhere: 'Sign out of all devices',
  },
});

interface SessionPanelProps {
  onSignedOut(notice?: string): void;
  onSessionLost(): void;
}

/** Sign out here, or everywhere (every session of the account is revoked on the server). */
export function SessionPanel({ onSignedOut, onSessionLost }: SessionPanelProps) {
  const here = useAccountAction(onSessionLost);
  const everywhere = useAccountAction(onSessionLost);
  const t = text();

  async function signOut() {
    if (
      await here.run(async () => {
        await api.signOut();
        return null;
      })
    ) {
      onSignedOut();
    }
  }

  async function signOutEverywhere() {
    const ok = await everywhere.run(async () => {
      await accountApi.revokeAllSessions();
      // This session is gone too; signing out still clears the cookie, and a refusal changes nothing.
      await api.signOut().catch((error: unknown) => console.info('sign-out after revoking sessions', error));
      return null;
    });
    if (ok) onSignedOut(text().everywhereDone);
  }

  const busy = here.busy || everywhere.busy;
  return (
    <div class="settings-actions">
      <button
        type="button"
        class="btn btn--ghost btn--block"
        data-testid="settings-signout"
        onClick={() => void signOut()}
        disabled={busy}
      >
        {here.busy ? t.busy : t.signOut}
      </button>
      <FormStatus error={here.error} done={null} testId="settings-signout" />
      <button
        type="button"
        class="btn btn--ghost btn--block"
        data-testid="settings-signout-all"
        onClick={() => void signOutEverywhere()}
        disabled={busy}
      >
        {everywhere.busy ? t.busy : t.everywhere}
      </button>
      <FormStatus error={everywhere.error} done={null} testId="settings-signout-all" />
    </div>
  );
}
