import type { ComponentChildren } from 'preact';
import type { User } from '../api/types';
import { Avatar } from './settings/Avatar';

interface AccountStripProps {
  user: User;
  /** Opens the settings screen ("Réglages"). */
  onOpenSettings?: () => void;
  /** Extra controls (the demo Premium toggle). */
  children?: ComponentChildren;
}

export function AccountStrip({ user, onOpenSettings, children }: AccountStripProps) {
  return (
    <section class="account" aria-label="Votre compte">
      <Avatar user={user} />
      <div class="account__identity">
        <span class="account__hello">Bonjour,</span>
        <strong class="account__pseudo" data-testid="user-pseudo">
          {user.name}
        </strong>
      </div>
      <div class="account__side">
        <span class={`badge ${user.premium ? 'badge--premium' : 'badge--plain'}`} data-testid="user-plan">
          {user.premium ? 'Premium' : 'Standard'}
        </span>
        {onOpenSettings && (
          <button
            type="button"
            class="btn btn--ghost btn--small account__settings"
            data-testid="open-settings"
            onClick={onOpenSettings}
          >
            Réglages
          </button>
        )}
      </div>
      {children}
    </section>
  );
}
