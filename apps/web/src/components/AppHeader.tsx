import { defineMessages } from '../i18n/messages';
import { BrandMark } from './BrandMark';

const text = defineMessages({ fr: { signOut: 'Déconnexion' }, en: { signOut: 'Sign out' } });

interface AppHeaderProps {
  onSignOut(): void;
  signingOut: boolean;
}

export function AppHeader({ onSignOut, signingOut }: AppHeaderProps) {
  return (
    <header class="app-header">
      <BrandMark />
      <button
        type="button"
        class="btn btn--ghost btn--small"
        data-testid="signout"
        onClick={onSignOut}
        disabled={signingOut}
      >
        {text().signOut}
      </button>
    </header>
  );
}
