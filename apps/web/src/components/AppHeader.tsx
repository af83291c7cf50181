import { BrandMark } from './BrandMark';

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
        Déconnexion
      </button>
    </header>
  );
}
